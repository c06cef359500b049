"""The package's shape as a specification: layers, no import cycle, small units.

- The layer contract in ``pyproject.toml`` (``[tool.importlinter]``) holds: ``lint-imports``
  passes (``make lint`` runs it too; here it runs in ``make test``, so CI enforces it).
- The import graph of ``channel_lib`` has no cycle, function-level imports included (grimp, the
  graph library under import-linter, sees every ``import`` statement wherever it is).
- No module is over :data:`MAX_MODULE_LINES` lines and no function over
  :data:`MAX_FUNCTION_LINES` (its docstring included).

Each check is also run on a small hand-made violation, so a check that has stopped seeing
anything fails here rather than passing quietly.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "channel_lib"
MAX_MODULE_LINES = 1000
MAX_FUNCTION_LINES = 100


# -- the checks -------------------------------------------------------------------------------------
def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing itself).

    Tarjan's algorithm, iterative. ``graph`` maps each module to the modules it imports.

    Examples
    --------
    >>> import_cycles({"a": ["b"], "b": ["a"], "c": ["a"]})
    [['a', 'b']]
    >>> import_cycles({"a": ["b"], "b": []})
    []
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    cycles.append(sorted(component))
    return sorted(cycles)


def oversized(source: str, name: str) -> list[str]:
    """What in one module's ``source`` is over the size limits, in words.

    Examples
    --------
    >>> oversized("def f():\\n" + "    x = 1\\n" * 120, "m.py")
    ['m.py: function f is 121 lines (limit 100)']
    >>> oversized("x = 1\\n", "m.py")
    []
    """
    problems = []
    lines = source.count("\n") + (0 if source.endswith("\n") else 1)
    if lines > MAX_MODULE_LINES:
        problems.append(f"{name}: module is {lines} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(
                    f"{name}: function {node.name} is {length} lines (limit {MAX_FUNCTION_LINES})"
                )
    return problems


def package_graph(package: str = "channel_lib") -> dict[str, set[str]]:
    """``channel_lib``'s import graph from grimp: module → the package modules it imports."""
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


# -- the package ------------------------------------------------------------------------------------
def test_the_import_graph_has_no_cycle_function_level_imports_included() -> None:
    assert import_cycles(package_graph()) == []


def test_no_module_over_1000_lines_and_no_function_over_100() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        problems += oversized(path.read_text(encoding="utf-8"), rel)
    assert problems == []


def test_the_layer_contract_holds() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]


# -- each check sees a deliberate violation ---------------------------------------------------------
def _write_package(base: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_a_function_level_import_that_closes_a_cycle_is_found(tmp_path, monkeypatch) -> None:
    _write_package(
        tmp_path,
        {
            "cyclepkg/__init__.py": "",
            "cyclepkg/low.py": "def f():\n    from cyclepkg import high  # lazy, still a cycle\n",
            "cyclepkg/high.py": "from cyclepkg import low\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(package_graph("cyclepkg")) == [["cyclepkg.high", "cyclepkg.low"]]


def test_an_analysis_importing_a_chart_breaks_the_layer_contract(tmp_path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(PACKAGE, copy / "channel_lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    violation = copy / "channel_lib" / "analysis" / "deliberate_violation.py"
    violation.write_text("from channel_lib.presentation import charts  # noqa: F401\n")
    lint = Path(sys.executable).with_name("lint-imports")
    env = {"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [str(lint), "--no-cache"], cwd=copy, capture_output=True, text=True, env=env
    )
    assert run.returncode != 0
    assert "channel_lib.analysis.deliberate_violation -> channel_lib.presentation" in run.stdout


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\n" * 1001, ["m.py: module is 1001 lines (limit 1000)"]),
        ("x = 1\n" * 1000, []),
        ("def f():\n" + "    x = 1\n" * 99, []),
        ("class C:\n    async def g(self):\n" + "        x = 1\n" * 100,
         ["m.py: function g is 101 lines (limit 100)"]),
    ],
    ids=["module-1001", "module-1000", "function-100", "method-101"],
)  # fmt: skip
def test_the_size_limits_count_lines_as_a_reader_does(source: str, expected: list[str]) -> None:
    assert oversized(source, "m.py") == expected
