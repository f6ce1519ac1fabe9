"""The README, the docs/ pages and docs/api.md stay true: their examples run, their names exist,
their links and the paths they name lead somewhere."""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import pytest
from doc_examples import PAGES, blocks

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return blocks(language)


@pytest.mark.parametrize("module", [autograd, nn], ids=lambda module: module.__name__)
def test_every_public_name_is_in_the_api_reference(module):
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [name for name in module.__all__ if not re.search(rf"`(class )?{name}\b", reference)]
    assert missing == []


def test_the_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the drawing examples write neuron.svg and neuron.html
    blocks = code_blocks("python")
    assert len(blocks) >= 6
    namespaces = []
    for block in blocks:
        namespaces.append({})
        exec(compile(block, "README.md", "exec"), namespaces[-1])
    assert (tmp_path / "neuron.svg").read_text().startswith("<?xml")
    assert (tmp_path / "neuron.html").read_text().startswith("<!DOCTYPE html>")
    # What the examples' comments promise.
    first = namespaces[0]
    assert first["x"].grad == pytest.approx((2 * 0.5 + 3) * (1 - math.tanh(1.75) ** 2))
    assert first["x"].grad == pytest.approx(0.455, abs=5e-4)  # the number the comment shows
    nn_example = next(space for space in namespaces if "EMILY" in space)
    assert nn_example["model"](nn_example["EMILY"].shifted).data > 0.9
    higher = next(space for space in namespaces if "d3y" in space)
    x = higher["x"].data
    assert higher["d3y"] == pytest.approx(-3 * math.sin(x) - x * math.cos(x))


def test_readme_shows_the_source_compile_graph_really_writes():
    blocks = code_blocks("python")
    compile_example = next(block for block in blocks if "compile_graph" in block)
    namespace: dict[str, object] = {}
    exec(
        compile(compile_example.replace("print(compiled.source)", ""), "README.md", "exec"),
        namespace,
    )
    shown = next(block for block in code_blocks("text") if "def forward_backward" in block)
    assert shown.strip() == namespace["compiled"].source.strip()


def test_readme_shows_the_plan_compile_graph_really_makes():
    blocks = code_blocks("python")
    plan_example = next(block for block in blocks if "plan_text" in block)
    namespace: dict[str, object] = {}
    exec(
        compile(plan_example.replace("print(compiled.plan_text)", ""), "README.md", "exec"),
        namespace,
    )
    shown = next(block for block in code_blocks("text") if block.startswith("plan:"))
    assert shown.strip() == namespace["compiled"].plan_text.strip()  # type: ignore[attr-defined]


def test_the_two_commands_exist_and_ci_runs_the_test_command():
    assert "bash scripts/demo.sh" in README
    assert "bash scripts/test.sh" in README
    assert (ROOT / "scripts" / "demo.sh").exists()
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


# ---------------------------------------------------------------------- docs/api.md signatures
ENTRY = re.compile(r"^(?P<indent> *)- `(?P<head>[^`]+)`", re.MULTILINE)


def split_top_level(text: str) -> list[str]:
    """Split a parameter list on the commas that are not inside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def documented_parameters(head: str) -> list[tuple[str, str | None]] | None:
    """(name, default text) of each parameter an api.md entry shows, or None for no call."""
    if "(" not in head:
        return None
    inside = head[head.index("(") + 1 :]
    inside = inside[: inside.rindex(")")]
    parameters = []
    for part in split_top_level(inside):
        name_part, _, default = part.partition("=")
        name = name_part.split(":")[0].strip()
        parameters.append((name, default.strip().replace('"', "'") or None))
    return parameters


def real_parameters(obj: object) -> list[tuple[str, str | None]]:
    signature = inspect.signature(obj)  # type: ignore[arg-type]
    result: list[tuple[str, str | None]] = []
    keyword_only_marked = False
    for parameter in signature.parameters.values():
        name = parameter.name
        if parameter.kind is parameter.VAR_POSITIONAL:
            name, keyword_only_marked = "*" + name, True
        elif parameter.kind is parameter.VAR_KEYWORD:
            name = "**" + name
        elif parameter.kind is parameter.KEYWORD_ONLY and not keyword_only_marked:
            result.append(("*", None))
            keyword_only_marked = True
        default = parameter.default
        if default is parameter.empty:
            shown = None
        elif callable(default):
            shown = default.__name__  # a function default is shown by its name: loss = mse_loss
        else:
            shown = repr(default)
        result.append((name, shown))
    return result[1:] if result and result[0][0] == "cls" else result


def api_entries() -> list[tuple[object, str]]:
    """(object, its api.md head) for every entry that shows a signature."""
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    entries, owner = [], None
    for match in ENTRY.finditer(reference):
        head = match["head"]
        is_class = head.startswith("class ")
        name = head.removeprefix("class ").split("(")[0].split(" ")[0]
        if match["indent"]:
            if owner is None or not name.startswith("."):
                continue
            obj = inspect.getattr_static(owner, name[1:])
            obj = obj.fget if isinstance(obj, property) else obj
            obj = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
        else:
            module = autograd if hasattr(autograd, name) else nn
            if not hasattr(module, name):
                owner = None
                continue
            obj = getattr(module, name)
            owner = obj if is_class else None
        if "(" in head and callable(obj):
            entries.append((obj, head))
    return entries


@pytest.mark.parametrize("obj, head", api_entries(), ids=lambda x: str(x)[:40])
def test_api_reference_shows_the_real_parameters(obj, head):
    documented = documented_parameters(head)
    real = real_parameters(obj)
    if head.startswith("class ") and real and real[0][0] == "self":
        real = real[1:]
    assert documented == real, head


def test_the_operation_entries_are_the_registry_docstrings():
    """docs/api.md's entries for the registered functions and Value's methods say what each
    record's `doc` says, so they cannot drift from the code."""
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    checked = 0
    for operation in autograd.OPERATIONS.values():
        if operation.call_name not in autograd.__all__:
            continue  # written with an operator only: + - * / and neg
        function = re.search(rf"^- `{operation.call_name}\(.*?`: (.*)$", reference, re.M)
        assert function is not None, operation.call_name
        assert function.group(1) == operation.doc
        if operation.name.isidentifier() and callable(
            getattr(autograd.Value, operation.name, None)
        ):
            method = re.search(
                rf"^  - `\.{operation.name}\(self\) -> Value`: (.*)$", reference, re.M
            )
            assert method is not None, operation.name
            assert method.group(1) == operation.doc
        checked += 1
    assert checked >= 11


# ---------------------------------------------------------------------- the README, an entry point
def test_the_readme_shows_an_example_and_how_to_run_your_own_script_early():
    lines = README.splitlines()
    first_python = lines.index("```python") + 1  # 1-based number of the example's first line
    assert first_python <= 40
    assert any("source .venv/bin/activate" in line for line in lines[:100])
    assert any(".venv/bin/python mine.py" in line for line in lines[:100])


@pytest.mark.parametrize("page", ["CONTRIBUTING.md", *PAGES, "docs/api.md", "docs/glossary.md"])
def test_every_local_link_leads_to_a_file(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    folder = (ROOT / page).parent
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [target for target in targets if not re.match(r"[a-z]+:", target)]
    missing = [target for target in local if not (folder / target).exists()]
    assert missing == []


def test_the_paths_the_docs_name_are_the_ones_the_demo_writes(tmp_path):
    from demos import _cli, article

    pages = "".join((ROOT / page).read_text(encoding="utf-8") for page in PAGES)
    named = set(re.findall(r"out/article/([\w.]+)", pages))
    assert {"loss.svg", "network.svg", "backprop.html"} <= named
    out = tmp_path / "out" / "article"
    assert article.main(["--epochs", "2", "--html", "--out", str(out)]) == 0
    written = {path.name for path in out.iterdir()}
    assert named <= written
    assert _cli.make_parser("article", "", epochs=1).parse_args([]).out.as_posix() == "out/article"


def test_the_api_reference_lists_values_attributes():
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    value_entry = reference.split("- `class Value(")[1].split("\n- ")[0]
    for attribute in ("data", "grad", "label", "op", "parents"):
        assert f"  - `.{attribute}` (" in value_entry
        assert hasattr(autograd.Value(1.0), attribute)
