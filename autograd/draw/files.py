"""Writing a drawing to a file: all at once or not at all, and only ever to a regular file."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` (UTF-8) through a temporary file in the same folder, renamed over
    `path` once complete (internal: `to_svg` and `to_html` use it).

    A failure (a full disk, Ctrl-C) leaves an existing file as it was, never empty. A folder, a
    FIFO, a device or a socket is refused before anything is written: opening a FIFO would wait
    for a reader, and renaming over a device would replace it.
    """
    target = Path(path)
    with contextlib.suppress(OSError):  # a symlink loop: let the open below name it
        target = target.resolve()
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(status.st_mode):
            kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a file")
            raise OSError(
                errno.EINVAL,
                f"not a regular file but {kind}; drawings go to regular files",
                str(path),
            )
        if not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        # mkstemp makes the file 0600; keep an existing file's mode, else what open() would give.
        os.chmod(temporary, stat.S_IMODE(status.st_mode) if status else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
