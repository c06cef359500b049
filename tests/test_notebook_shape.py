"""Notebooks stay thin, parameterised and clean (STYLE.md "Notebooks").

Every ``notebooks/*.ipynb``:

- ``parameters-first``: the first code cell is tagged ``parameters``;
- ``typed-parameter``: every statement of it is an annotated assignment (``quarter: str = "latest"``);
- ``parameter-comment``: each parameter has a trailing comment (papermill prints it as help);
- ``papermill-parse``: papermill's own parser reads every parameter (it skips a line holding two
  ``=``, e.g. one inside the comment, and then cannot print its help or check its type);
- ``no-def`` / ``no-loop`` / ``no-lambda`` / ``no-comprehension``: no ``def``/``class``, ``for``/
  ``while``, lambdas or comprehensions in any cell — that logic belongs in ``channel_lib``;
- ``cell-length``: at most 6 non-blank lines per code cell (14 in the ``parameters`` cell, which
  holds only typed declarations, one parameter a line);
- ``syntax``: every code cell parses as Python (no magics);
- ``kernelspec``: the kernelspec is ``python3`` (papermill runs it with ``kernel_name="python3"``);
- ``no-outputs``: no outputs or execution counts committed.

Each rule is shown failing once on ``tests/fixtures/bad_shape.ipynb`` and on a one-fault notebook.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BAD = ROOT / "tests" / "fixtures" / "bad_shape.ipynb"
MAX_LINES = 6
#: A parameters cell is only typed declarations, one a line: it may list more parameters.
MAX_PARAMETERS = 14
RULES = (
    "parameters-first", "typed-parameter", "parameter-comment", "papermill-parse", "no-def", "no-loop", "no-lambda",
    "no-comprehension", "cell-length", "syntax", "kernelspec", "no-outputs",
)  # fmt: skip

_FORBIDDEN = {
    ast.FunctionDef: "no-def", ast.AsyncFunctionDef: "no-def", ast.ClassDef: "no-def",
    ast.For: "no-loop", ast.AsyncFor: "no-loop", ast.While: "no-loop",
    ast.Lambda: "no-lambda",
    ast.ListComp: "no-comprehension", ast.SetComp: "no-comprehension",
    ast.DictComp: "no-comprehension", ast.GeneratorExp: "no-comprehension",
}  # fmt: skip


def _parameter_problems(source: str, tree: ast.Module, where: str) -> list[tuple[str, str]]:
    problems = []
    lines = source.splitlines()
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and node.value is not None):
            problems.append(
                ("typed-parameter", f"{where} line {node.lineno}: {ast.unparse(node)!r} "
                 "is not a typed parameter (name: type = value  # comment)")
            )  # fmt: skip
            continue
        rest = lines[node.end_lineno - 1][node.end_col_offset :].strip()
        if not rest.startswith("#") or not rest.lstrip("# ").strip():
            problems.append(
                ("parameter-comment", f"{where} line {node.lineno}: parameter "
                 f"{ast.unparse(node.target)} has no trailing comment")
            )  # fmt: skip
    problems.extend(_papermill_problems(source, tree, where))
    return problems


def _papermill_problems(source: str, tree: ast.Module, where: str) -> list[tuple[str, str]]:
    import logging

    from papermill.translators import PythonTranslator

    declared = {ast.unparse(n.target) for n in tree.body if isinstance(n, ast.AnnAssign)}
    logging.getLogger("papermill").setLevel(logging.ERROR)  # its warning is what we report
    seen = {p.name for p in PythonTranslator.inspect(nbformat.v4.new_code_cell(source))}
    return [
        ("papermill-parse", f"{where}: papermill cannot read parameter {name} "
         "(keep a single '=' on its line, none in the comment)")
        for name in sorted(declared - seen)
    ]  # fmt: skip


def shape_problems(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Every broken rule of a notebook, as ``(rule, message)`` pairs."""
    problems: list[tuple[str, str]] = []
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(("kernelspec", f"kernelspec is {kernel!r}, not 'python3'"))
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    first = code[0][1] if code else None
    if first is None or "parameters" not in first.metadata.get("tags", []):
        problems.append(("parameters-first", "the first code cell is not tagged 'parameters'"))
    for i, cell in code:
        where = f"cell {i}"
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(("no-outputs", f"{where} has committed outputs or an execution count"))
        n_lines = sum(bool(line.strip()) for line in cell.source.splitlines())
        # a parameters cell holds only typed declarations (typed-parameter), no logic
        limit = MAX_PARAMETERS if "parameters" in cell.metadata.get("tags", []) else MAX_LINES
        if n_lines > limit:
            problems.append(("cell-length", f"{where} has {n_lines} lines (at most {limit})"))
        try:
            tree = ast.parse(cell.source)
        except SyntaxError as exc:
            problems.append(
                ("syntax", f"{where} is not plain Python: {exc.msg} (line {exc.lineno})")
            )
            continue
        if "parameters" in cell.metadata.get("tags", []):
            problems += _parameter_problems(cell.source, tree, where)
        for node in ast.walk(tree):
            rule = _FORBIDDEN.get(type(node))
            if rule:
                problems.append((rule, f"{where} line {node.lineno}: {type(node).__name__}"))
    return problems


def _good_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Good"),
            new_code_cell(
                'data_dir: str = "data/sample"  # dataset folder\n'
                'quarter: str = "latest"  # fiscal quarter, e.g. "FY2026-Q3"',
                metadata={"tags": ["parameters"]},
            ),
            new_code_cell("from channel_lib import load_dataset\n\nds = load_dataset(data_dir)"),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _mutate(rule: str) -> nbformat.NotebookNode:
    nb = _good_notebook()
    params, body = nb.cells[1], nb.cells[2]
    if rule == "parameters-first":
        params.metadata["tags"] = []
    elif rule == "typed-parameter":
        params.source += '\nplans_dir = "plans"  # untyped'
    elif rule == "parameter-comment":
        params.source += '\nplans_dir: str = "plans"'
    elif rule == "papermill-parse":
        params.source += '\nplans_dir: str = "plans"  # default = plans'
    elif rule == "no-def":
        body.source = "def total(x):\n    return x"
    elif rule == "no-loop":
        body.source = "for row in range(3):\n    print(row)"
    elif rule == "no-lambda":
        body.source = "key = lambda x: x"
    elif rule == "no-comprehension":
        body.source = "squares = [x * x for x in range(3)]"
    elif rule == "cell-length":
        body.source = "\n".join(f"x{i} = {i}" for i in range(MAX_LINES + 1))
    elif rule == "syntax":
        body.source = "%timeit ds = 1"
    elif rule == "kernelspec":
        nb.metadata["kernelspec"]["name"] = "channel-venv"
    elif rule == "no-outputs":
        body.execution_count = 3
        body.outputs = [new_output("stream", name="stdout", text="hi\n")]
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_thin_parameterised_and_clean(path):
    problems = shape_problems(nbformat.read(path, as_version=4))
    assert problems == [], "\n".join(f"{path.name}: [{rule}] {msg}" for rule, msg in problems)


def test_a_good_notebook_passes_every_rule():
    assert shape_problems(_good_notebook()) == []


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_fails_on_a_notebook_that_breaks_only_it(rule):
    assert {r for r, _ in shape_problems(_mutate(rule))} == {rule}


def test_the_bad_fixture_notebook_breaks_every_rule():
    found = {rule for rule, _ in shape_problems(nbformat.read(BAD, as_version=4))}
    assert found == set(RULES)
