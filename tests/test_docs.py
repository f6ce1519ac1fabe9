"""The README and docs/api.md stay true: their examples run, their names exist."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize("module", [autograd, nn], ids=lambda module: module.__name__)
def test_every_public_name_is_in_the_api_reference(module):
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [name for name in module.__all__ if not re.search(rf"`(class )?{name}\b", reference)]
    assert missing == []


def test_readme_python_examples_run(tmp_path, monkeypatch):
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
