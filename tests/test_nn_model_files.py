"""Model files: state_dict / load_state_dict and JSON files with exact round trips, and every bad
file or hostile path refused: size caps, FIFOs and devices, deep JSON, long names, symlink loops,
read-only files, and a save killed half way."""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import MLP, Layer, LoadError, Neuron
from nn.serialization import MAX_FILE_BYTES

finite = st.floats(allow_nan=False, allow_infinity=False)
architectures = st.tuples(
    st.integers(1, 3),
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
)


def bits(values) -> list[str]:
    """Exact representations, so that -0.0 and 0.0 count as different."""
    return [float(v).hex() for v in values]


@settings(max_examples=60)
@given(architectures, st.data())
def test_state_dict_round_trip_is_exact(architecture, data):
    nin, nouts, activation = architecture
    source = MLP(nin, nouts, activation, seed=0)
    values = data.draw(st.lists(finite, min_size=len(source.parameters()), max_size=10**4))
    for parameter, value in zip(source.parameters(), values):
        parameter.data = value
    target = MLP(nin, nouts, activation, seed=1)
    target.load_state_dict(source.state_dict())
    assert bits(target.state_dict().values()) == bits(source.state_dict().values())

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        source.save(path)
        loaded = MLP(nin, nouts, activation, seed=2).load(path)
    assert bits(loaded.state_dict().values()) == bits(source.state_dict().values())
    assert list(loaded.state_dict()) == list(source.state_dict())


def test_the_file_is_readable_json(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.save(tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["format"] == "backproplab.nn"
    assert document["version"] == 1
    assert document["module"] == {
        "type": "MLP",
        "nin": 2,
        "nouts": [2, 1],
        "activation": "sigmoid",
        "output_activation": "sigmoid",
    }
    assert document["parameters"] == model.state_dict()


def test_neuron_and_layer_save_and_load(tmp_path):
    neuron = Neuron(2, weights=[0, 1], bias=4)
    neuron.save(tmp_path / "n.json")
    assert Neuron(2, seed=0).load(tmp_path / "n.json").state_dict() == neuron.state_dict()
    layer = Layer(2, 3, seed=0)
    layer.save(str(tmp_path / "l.json"))
    assert Layer(2, 3, seed=1).load(str(tmp_path / "l.json")).state_dict() == layer.state_dict()


def good_document() -> dict:
    model = MLP(2, [2, 1], seed=0)
    return {
        "format": "backproplab.nn",
        "version": 1,
        "module": model._config(),
        "parameters": model.state_dict(),
    }


def with_parameter(value) -> dict:
    document = good_document()
    document["parameters"]["L0.N1.w0"] = value
    return document


def with_module(**changes) -> dict:
    document = good_document()
    document["module"].update(changes)
    return document


def without(key: str) -> dict:
    document = good_document()
    del document[key]
    return document


MALFORMED = {
    "empty file": b"",
    "not json": b"hello",
    "truncated": json.dumps(good_document()).encode()[:-20],
    "not utf-8": b'{"format": "\xff"}',
    "a list": b"[1, 2, 3]",
    "missing parameters": json.dumps(without("parameters")).encode(),
    "extra key": json.dumps({**good_document(), "comment": "hi"}).encode(),
    "other format": json.dumps({**good_document(), "format": "pickle"}).encode(),
    "version 2": json.dumps({**good_document(), "version": 2}).encode(),
    "version true": json.dumps({**good_document(), "version": True}).encode(),
    "other sizes": json.dumps(with_module(nouts=[3, 1])).encode(),
    "float size": json.dumps(with_module(nin=2.0)).encode(),
    "other activation": json.dumps(with_module(activation="tanh")).encode(),
    "other type": json.dumps(with_module(type="Layer")).encode(),
    "parameters a list": json.dumps({**good_document(), "parameters": [1.0] * 9}).encode(),
    "missing parameter": json.dumps(
        {**good_document(), "parameters": dict(list(good_document()["parameters"].items())[:8])}
    ).encode(),
    "unexpected parameter": json.dumps(
        {**good_document(), "parameters": {**good_document()["parameters"], "L2.N0.b": 1.0}}
    ).encode(),
    "string value": json.dumps(with_parameter("0.5")).encode(),
    "null value": json.dumps(with_parameter(None)).encode(),
    "bool value": json.dumps(with_parameter(True)).encode(),
    "list value": json.dumps(with_parameter([0.5])).encode(),
    "nan value": json.dumps(with_parameter(math.nan)).encode(),
    "infinite value": json.dumps(with_parameter(math.inf)).encode(),
    "overflowing literal": json.dumps(with_parameter(1.0)).replace("1.0", "1e999").encode(),
    "huge integer": json.dumps(with_parameter(10**400)).encode(),
    "duplicate key": json.dumps(good_document()).replace('"L0.N0.b"', '"L0.N0.w0"', 1).encode(),
}


@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_files_raise_load_error_and_leave_the_model_untouched(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    model = MLP(2, [2, 1], seed=5)
    before = model.state_dict()
    with pytest.raises(LoadError, match=r"bad\.json"):
        model.load(path)
    assert model.state_dict() == before


def test_the_good_document_loads(tmp_path):
    """The malformed files above are each one change away from this one, which loads."""
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good_document()))
    model = MLP(2, [2, 1], seed=5)
    model.load(path)
    assert model.state_dict() == MLP(2, [2, 1], seed=0).state_dict()


def test_load_error_is_a_value_error_with_a_useful_message(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(with_module(nouts=[3, 1])))
    with pytest.raises(ValueError, match=r"holds MLP\(nin=2, nouts=\[3, 1\].*this model is MLP"):
        MLP(2, [2, 1]).load(path)
    path.write_text(json.dumps(with_parameter("x")))
    with pytest.raises(LoadError, match=r"parameter L0\.N1\.w0 must be a number, not str"):
        MLP(2, [2, 1]).load(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP(2, [2, 1]).load(tmp_path / "nothing.json")


@pytest.mark.parametrize(
    "state",
    [
        {"w0": 1.0, "w1": 2.0},
        {"w0": 1.0, "w1": 2.0, "b": 3.0, "c": 4.0},
        {"w0": 1.0, "w1": 2.0, "b": math.nan},
        {"w0": 1.0, "w1": "2", "b": 3.0},
        {"w0": 1.0, "w1": np.complex128(2 + 1j), "b": 3.0},
        {"w0": 1.0, "w1": True, "b": 3.0},
        [1.0, 2.0, 3.0],
    ],
)
def test_load_state_dict_refuses_and_changes_nothing(state):
    neuron = Neuron(2, weights=[5.0, 6.0], bias=7.0)
    with pytest.raises(LoadError):
        neuron.load_state_dict(state)
    assert neuron.state_dict() == {"w0": 5.0, "w1": 6.0, "b": 7.0}


def test_a_failed_save_keeps_the_old_file_and_leaves_nothing_behind(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    model = MLP(2, [2, 1], seed=0)
    model.save(path)
    old = path.read_bytes()

    model.parameters()[3].data = math.nan
    with pytest.raises(ValueError, match=r"cannot save: parameter L0\.N1\.w0 is nan"):
        model.save(path)
    assert path.read_bytes() == old

    model.parameters()[3].data = 1.0

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.json"]


def test_save_replaces_the_file_whole(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [8, 8, 1], seed=0).save(path)
    small = MLP(1, [1], seed=0)
    small.save(path)
    assert MLP(1, [1], seed=3).load(path).state_dict() == small.state_dict()
    assert os.listdir(tmp_path) == ["m.json"]


def test_save_over_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "private.json"
    path.write_text("old")
    path.chmod(0o600)
    MLP(2, [1], seed=0).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_new_file_gets_the_mode_the_umask_gives_as_with_open(tmp_path, umask):
    old_umask = os.umask(umask)
    try:
        MLP(2, [1], seed=0).save(tmp_path / "new.json")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o666 & ~umask


def test_save_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "models" / "real.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    model = MLP(2, [1], seed=0)
    model.save(link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert MLP(2, [1], seed=1).load(target).state_dict() == model.state_dict()
    assert sorted(os.listdir(target.parent)) == ["real.json"]


def test_save_into_a_missing_folder_names_the_path_asked_for(tmp_path):
    path = tmp_path / "missing" / "m.json"
    with pytest.raises(FileNotFoundError) as error:
        MLP(2, [1], seed=0).save(path)
    assert error.value.filename == str(path)
    assert ".tmp" not in str(error.value) and "missing" in str(error.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("m.json/", IsADirectoryError, "ending in a separator is a folder's"),
        ("", FileNotFoundError, "give its name"),
    ],
)
def test_a_name_that_is_no_file_name_is_refused_as_open_refuses_it(
    tmp_path, monkeypatch, name, error, words
):
    monkeypatch.chdir(tmp_path)  # Path("m.json/") is m.json, and Path("") the folder "."
    with pytest.raises(error, match=words) as raised:
        MLP(2, [1], seed=0).save(name)
    assert raised.value.filename == name
    assert os.listdir(tmp_path) == []
    with pytest.raises(error):
        open(name, "w")  # noqa: SIM115  # what save promises to behave like


def test_save_onto_a_folder_names_the_folder(tmp_path):
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError) as error:
        MLP(2, [1], seed=0).save(tmp_path / "models")
    assert error.value.filename == str(tmp_path / "models")
    assert ".tmp" not in str(error.value)
    assert os.listdir(tmp_path) == ["models"]


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
