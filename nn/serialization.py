"""Model files: a module's structure and parameters as plain JSON (never pickle), checked on load.

`Module.save` and `Module.load` call `save_module` and `load_module`. A file looks like::

    {"format": "backproplab.nn", "version": 1,
     "module": {"type": "MLP", "nin": 2, "nouts": [2, 1], ...},
     "parameters": {"L0.N0.w0": 0.12, ...}}

Saving writes a temporary file ``.<name>.<pid>-<random>.tmp`` beside the target and renames it
over the target. A save killed before its rename (SIGKILL, power loss) leaves one behind; the
next save into the same folder for the same name removes it once its process is gone or it is an
hour old. That was chosen over a fixed temporary name, which two processes saving at once would
share, and over unnamed temporary files (O_TMPFILE), which only Linux has and which cannot be
renamed over an existing file.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import secrets
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from autograd import Value
from autograd.numbers import is_real_number

if TYPE_CHECKING:
    from nn.module import Module

FILE_FORMAT = "backproplab.nn"
FILE_VERSION = 1
MAX_FILE_BYTES = 64 * 2**20  # about 1.5 million parameters, far more than scalar Values train
# No number a model file needs is this long (a float's range ends at 309 digits); longer integers
# are refused before Python converts them, which takes quadratic time.
MAX_INTEGER_DIGITS = 400
STALE_AFTER = 3600.0  # seconds after which a temporary file of ours is taken as abandoned


class LoadError(ValueError):
    """A state dict or model file does not fit the model; the model was left untouched."""


# ---------------------------------------------------------------------- saving
def save_module(module: Module, path: str | os.PathLike[str]) -> None:
    """Write `module`'s structure and parameters to `path` (see `Module.save`)."""
    for name, parameter in module.named_parameters():
        if not math.isfinite(parameter.data):
            raise ValueError(f"cannot save: parameter {name} is {parameter.data!r}")
    document = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "module": module._config(),
        "parameters": module.state_dict(),
    }
    write_atomically(_file_name(path), json.dumps(document, indent=2, allow_nan=False) + "\n")


def _file_name(path: str | os.PathLike[str]) -> Path:
    """`path` as a Path, refused as `open` refuses it where Path would change its meaning: Path
    drops a trailing separator ("m.json/" would become the file m.json) and reads "" as "."."""
    name = os.fspath(path)
    if name == "":
        raise FileNotFoundError(errno.ENOENT, "a model is saved to a file: give its name", name)
    if name.endswith(os.sep) or (os.altsep is not None and name.endswith(os.altsep)):
        raise IsADirectoryError(
            errno.EISDIR, "a name ending in a separator is a folder's, not a file's", name
        )
    return Path(name)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` as `open(path, "w")` would, but all at once or not at all.

    Refused where `open` would refuse (a folder, a file it may not write), and also for
    anything but a regular file: renaming over a FIFO or a device node would replace it.
    """
    target = _resolved(path)
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from None
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(status.st_mode):
            raise OSError(
                errno.EINVAL,
                f"not a regular file but {_kind(status.st_mode)}; a model is saved to a "
                "regular file only",
                str(path),
            )
        _check_writable(target, path)
    folder = target.parent
    _remove_stale_temporaries(folder, target.name)
    temporary = folder / _temporary_name(folder, target.name)
    try:
        # Mode 0o666 less the umask, as open() gives a new file.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:  # a missing or read-only folder: name the user's path, not ours
        raise type(error)(
            error.errno, f"{error.strerror} (cannot save into {target.parent})", str(path)
        ) from None
    try:
        if status is not None:  # keep an existing file's permissions, as writing into it would
            os.chmod(temporary, stat.S_IMODE(status.st_mode))
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _resolved(path: Path) -> Path:
    """`path` with symlinks followed, so that saving replaces the file a link points to (renaming
    over the link would replace the link itself); a symlink loop is `open`'s ELOOP error."""
    try:
        return path.resolve()
    except RuntimeError:  # Python < 3.13 reports a loop this way
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)) from None


def _check_writable(target: Path, path: Path) -> None:
    """Raise what `open(path, "w")` would raise for an existing file it may not write."""
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise type(error)(error.errno, error.strerror, str(path)) from None
    os.close(descriptor)


def _temporary_name(folder: Path, name: str) -> str:
    """``.<name>.<pid>-<random>.tmp``, the name shortened to fit the folder's longest name."""
    return f".{_name_that_fits(folder, name)}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _name_that_fits(folder: Path, name: str) -> str:
    try:
        longest = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        longest = 255
    budget = longest - len(".." + "4294967295" + "-01234567.tmp")  # the longest pid there is
    while len(os.fsencode(name)) > budget:
        name = name[:-1]
    return name


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    """Remove temporary files that earlier saves of `name` left behind when they were killed."""
    prefix = f".{_name_that_fits(folder, name)}."
    pattern = re.compile(r"(\d+)-[0-9a-f]{8}\.tmp")
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.startswith(prefix)]
    except OSError:
        return  # the save itself will report a folder it cannot use
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name[len(prefix) :])
        if match is None:
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            if old or not _running(int(match[1])):
                os.unlink(entry.path)
        except OSError:
            pass  # gone already, or not ours to remove


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or no pid we can ask about: leave it
    return True


# ---------------------------------------------------------------------- loading
def load_module(module: Module, path: str | os.PathLike[str], max_bytes: int) -> Module:
    """Read parameters saved by `save_module` into `module` (see `Module.load`)."""
    path = Path(path)
    document = read_json(path, max_bytes)
    if not isinstance(document, dict):
        raise LoadError(f"{path}: expected a JSON object, found {type(document).__name__}")
    expected_keys = {"format", "version", "module", "parameters"}
    if set(document) != expected_keys:
        raise LoadError(
            f"{path}: expected the keys {sorted(expected_keys)}, found {sorted(document)}"
        )
    if document["format"] != FILE_FORMAT:
        raise LoadError(f"{path}: not a {FILE_FORMAT} file (format {document['format']!r})")
    version = document["version"]
    if type(version) is not int or version != FILE_VERSION:
        raise LoadError(f"{path}: unsupported version {version!r}; this is {FILE_VERSION}")
    # Compared as JSON text so that 2.0 or true do not pass for the size 2 or 1.
    if _canonical(document["module"]) != _canonical(module._config()):
        raise LoadError(
            f"{path}: the file holds {describe(document['module'])}, but this model is {module!r}"
        )
    try:
        module.load_state_dict(document["parameters"])
    except LoadError as error:
        raise LoadError(f"{path}: {error}") from None
    return module


def read_json(path: Path, max_bytes: int) -> object:
    """The JSON document in the regular file `path`, read only up to `max_bytes`.

    A missing file or a folder raise what `open` raises; anything else wrong is `LoadError`.
    """
    status = os.stat(path)  # FileNotFoundError and the like, as open raises them
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    _refuse_irregular(path, status)
    # Non-blocking: should the path have become a FIFO since, opening it does not wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        _refuse_irregular(path, status)
        if status.st_size > max_bytes:
            raise _too_large(path, status.st_size, max_bytes)
        raw = file.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_large(path, len(raw), max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LoadError(f"{path}: not UTF-8 text ({error})") from None
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise LoadError(f"{path}: not valid JSON ({error})") from None
    except LoadError as error:
        raise LoadError(f"{path}: {error}") from None
    except RecursionError:
        raise LoadError(f"{path}: JSON nested too deeply to be a model file") from None
    except ValueError as error:  # whatever else the parser refuses, named as the file's fault
        raise LoadError(f"{path}: not a readable JSON document ({error})") from None


def _refuse_irregular(path: Path, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise LoadError(f"{path}: not a regular file but {_kind(status.st_mode)}")


def _too_large(path: Path, size: int, max_bytes: int) -> LoadError:
    return LoadError(
        f"{path}: {size} bytes or more, above the limit of {max_bytes} bytes; pass a larger "
        "max_bytes to load() to read it"
    )


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise LoadError(f"an integer of {len(text.lstrip('-'))} digits is not a model's number")
    return int(text)


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise LoadError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def checked_state(state: object, named_parameters: list[tuple[str, Value]]) -> list[float]:
    """The values of `state` in parameter order, or LoadError naming what does not fit."""
    if not isinstance(state, Mapping):
        raise LoadError(
            f"parameters must be a mapping of names to numbers, not {type(state).__name__}"
        )
    names = [name for name, _ in named_parameters]
    missing = [name for name in names if name not in state]
    known = set(names)
    unexpected = [key for key in state if key not in known]
    if missing or unexpected:
        raise LoadError(f"parameter names do not match: missing {missing}, unexpected {unexpected}")
    values = []
    for name in names:
        value = state[name]
        if not is_real_number(value):
            raise LoadError(f"parameter {name} must be a number, not {type(value).__name__}")
        try:
            value = float(value)
        except OverflowError:
            raise LoadError(f"parameter {name} is too large for a float: {value!r}") from None
        if not math.isfinite(value):
            raise LoadError(f"parameter {name} must be finite, not {value!r}")
        values.append(value)
    return values


def _canonical(config: object) -> str:
    return json.dumps(config, sort_keys=True)


def describe(config: object) -> str:
    """A module's configuration (`Module._config`) as its constructor call would be written."""
    if not isinstance(config, dict) or "type" not in config:
        return repr(config)
    arguments = ", ".join(f"{key}={value!r}" for key, value in config.items() if key != "type")
    return f"{config['type']}({arguments})"
