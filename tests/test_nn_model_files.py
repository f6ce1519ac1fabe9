"""Model files against hostile paths and contents: size caps, FIFOs and devices, deep JSON, long
names, symlink loops, read-only files, and a save killed half way (issue 13)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from nn import MLP, LoadError
from nn.serialization import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parent.parent


def saved(tmp_path: Path, name: str = "m.json") -> tuple[MLP, Path]:
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / name
    model.save(path)
    return model, path


def test_load_caps_what_it_reads_and_the_cap_can_be_raised(tmp_path):
    model, path = saved(tmp_path)
    size = path.stat().st_size
    with pytest.raises(LoadError, match=rf"above the limit of {size - 1} bytes.*max_bytes"):
        MLP(2, [2, 1], seed=1).load(path, max_bytes=size - 1)
    assert MLP(2, [2, 1], seed=1).load(path, max_bytes=size).state_dict() == model.state_dict()
    assert MAX_FILE_BYTES == 64 * 2**20  # the documented default


def test_load_of_a_fifo_without_a_writer_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "model.fifo"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            MLP(2, [2, 1]).load(fifo)
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # unblock the reader before failing
        with open(fifo, "w"):
            pass
        pytest.fail("load waited for a writer on a FIFO")
    assert isinstance(outcome[0], LoadError) and "a FIFO" in str(outcome[0])


def test_load_of_an_endless_device_is_refused_at_once():
    # Run apart, with its memory capped: reading /dev/zero to the end would take it all.
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
        from nn import MLP, LoadError
        try:
            MLP(2, [2, 1]).load("/dev/zero")
        except LoadError as error:
            print(error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert "/dev/zero: not a regular file but a character device" in result.stdout, result.stderr


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"format": ' + "9" * 5000 + "}", "an integer of 5000 digits"),
        ('{"format": -' + "9" * 5000 + "}", "an integer of 5000 digits"),
    ],
)
def test_hostile_json_raises_load_error(tmp_path, text, words):
    path = tmp_path / "m.json"
    path.write_text(text)
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(LoadError, match=words):
        model.load(path)
    assert model.state_dict() == before


def test_save_refuses_a_fifo_and_leaves_it_a_fifo(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file but a FIFO") as error:
        MLP(2, [1], seed=0).save(fifo)
    assert error.value.filename == str(fifo)
    assert fifo.is_fifo()
    assert os.listdir(tmp_path) == ["model.json"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_save_refuses_a_device_node(tmp_path):
    # A private copy of /dev/null (character device 1, 3): save must not replace it with a file.
    node = tmp_path / "null"
    os.mknod(node, 0o666 | 0o020000, os.makedev(1, 3))
    with pytest.raises(OSError, match="not a regular file but a character device"):
        MLP(2, [1], seed=0).save(node)
    assert node.is_char_device()


def test_a_long_file_name_that_open_accepts_works(tmp_path):
    path = tmp_path / ("m" * 235 + ".json")  # 240 characters
    with open(path, "w"):
        pass
    model, _ = saved(tmp_path, path.name)
    assert MLP(2, [2, 1], seed=5).load(path).state_dict() == model.state_dict()
    assert os.listdir(tmp_path) == [path.name]


def test_a_symlink_loop_is_named_as_open_names_it(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError) as error:
        MLP(2, [1], seed=0).save(a)
    assert error.value.errno == errno.ELOOP and error.value.filename == str(a)
    with pytest.raises(OSError) as error:
        MLP(2, [1], seed=0).load(a)
    assert error.value.errno == errno.ELOOP


@contextlib.contextmanager
def as_a_user_who_may_not_write(path: Path):
    """Make `path` read-only; as root, also act as 'nobody', for whom that means something."""
    path.chmod(0o444)
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_a_read_only_file_that_open_refuses_is_not_overwritten():
    # In a folder anyone may write to (under /tmp, which 'nobody' can reach), so that only the
    # file's own permission stands in the way, as it does for open(path, "w").
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o777)
        path = Path(folder) / "m.json"
        path.write_text("precious")
        with as_a_user_who_may_not_write(path):
            with pytest.raises(PermissionError):
                open(path, "w")  # noqa: SIM115 - what save must behave like
            with pytest.raises(PermissionError) as error:
                MLP(2, [1], seed=0).save(path)
            assert error.value.filename == str(path)
        assert path.read_text() == "precious"
        assert os.listdir(folder) == ["m.json"]


def test_a_save_killed_half_way_leaves_no_temporary_file_for_long(tmp_path):
    path = tmp_path / "m.json"
    # A save stopped for good just before its rename, then killed as a crash or the OOM killer
    # would.
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from nn import MLP
        def hang(*args):
            print("writing", flush=True)
            time.sleep(60)
        os.replace = hang
        MLP(2, [1], seed=0).save({str(path)!r})
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert process.stdout.readline() == "writing\n"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    left = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert len(left) == 1 and left[0].startswith(".m.json.")
    model, _ = saved(tmp_path)
    assert os.listdir(tmp_path) == ["m.json"]
    assert json.loads(path.read_text())["parameters"] == model.state_dict()


def test_a_temporary_file_of_a_running_save_is_left_alone(tmp_path):
    # Another process saving the same file right now: its temporary file is not ours to remove.
    busy = tmp_path / f".m.json.{os.getppid()}-0123abcd.tmp"
    busy.write_text("{}")
    saved(tmp_path)
    assert sorted(os.listdir(tmp_path)) == [busy.name, "m.json"]
