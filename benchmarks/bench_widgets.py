"""Widget benchmark: recompute + redraw time of every control of every explorer, on the sample.

Every :class:`channel_lib.interactive.explorers.Explorer` subclass that ``channel_lib.interactive.explorers`` exports is
built on the sample (``data/sample``, latest complete quarter) by a small factory (the notebook's
own call; a class without one is tried as ``cls(wb)`` and reported when that fails), shown once
(its first refresh computes what it keeps: bases, fitted curves, signal candidates), and then
each of its controls is moved over its range: a slider through ``--moves`` values evenly spread
from its minimum to its maximum, a dropdown through its options (cycled up to ``--moves``).
After each move the explorer's :meth:`~channel_lib.interactive.explorers.Explorer.refresh` is timed — the
analysis call *and* the redraw: rendering its charts and tables into output records
(:func:`channel_lib.interactive.explorers.core.output_records`), which is what the browser receives. The
debouncer is bypassed (each move is one refresh), other controls stay at their defaults, and the
control is set back to its default before the next one.

Target: median < 200 ms per control. Results: a table on stdout and
``benchmarks/results/widgets.json``.

Usage::

    .venv/bin/python benchmarks/bench_widgets.py [--moves 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "data" / "sample"
TARGET_MS = 200.0
MOVES = 15


# -- how each explorer is built on the sample (the notebook's call) -------------------------------
def _targets(data: Path, plans: Path):
    from channel_lib.analysis import targets
    from channel_lib.interactive import explorers as widgets

    wb, settings = targets.open_target_setting(data, "latest", plans)
    return widgets.TargetExplorer(wb, settings)


def _allocation(data: Path, plans: Path):
    from channel_lib.data.workbook import open_workbook
    from channel_lib.interactive import explorers as widgets

    return widgets.AllocationExplorer(open_workbook(data, "latest", plans))


def _alignment(data: Path, plans: Path):
    from channel_lib.analysis import alignment
    from channel_lib.interactive import explorers as widgets

    wb, settings = alignment.open_alignment(data, "latest")
    return widgets.AlignmentExplorer(wb, settings)


def _signals(data: Path, plans: Path):
    from channel_lib.analysis import signals
    from channel_lib.data.workbook import open_workbook
    from channel_lib.interactive import explorers as widgets

    wb = open_workbook(data, "latest", plans)
    return widgets.SignalExplorer(wb, signals.resolve_thresholds(wb.dataset))


def _generic(cls: type) -> Callable[[Path, Path], Any]:
    def build(data: Path, plans: Path):
        from channel_lib.data.workbook import open_workbook

        return cls(open_workbook(data, "latest", plans))

    return build


#: Explorer class name → factory(data_dir, plans_dir). Classes not listed are built as cls(wb).
FACTORIES: dict[str, Callable[[Path, Path], Any]] = {
    "TargetExplorer": _targets,
    "AllocationExplorer": _allocation,
    "AlignmentExplorer": _alignment,
    "SignalExplorer": _signals,
}


def explorer_classes() -> list[type]:
    """Every Explorer subclass the package exports, in ``__all__`` order."""
    from channel_lib.interactive import explorers as widgets

    return [
        obj
        for name in widgets.__all__
        if isinstance(obj := getattr(widgets, name), type)
        and issubclass(obj, widgets.Explorer)
        and obj is not widgets.Explorer
    ]


# -- the moves ------------------------------------------------------------------------------------
def control_values(control: Any, moves: int) -> tuple[str, list[Any]]:
    """The kind of a control and the values one sweep sets it to."""
    numeric = isinstance(control.value, int | float) and not isinstance(control.value, bool)
    if numeric and hasattr(control, "min") and hasattr(control, "max"):
        lo, hi = float(control.min), float(control.max)
        values = [lo + (hi - lo) * k / (moves - 1) for k in range(moves)]
        step = getattr(control, "step", None)
        if step:
            values = [min(max(lo + round((v - lo) / step) * step, lo), hi) for v in values]
        if isinstance(control.value, int):
            values = [round(v) for v in values]
        return "slider", values
    options = list(getattr(control, "options", []))
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        if len(values) == 1:
            return "choice", values * moves
        # leave the default first so every set is a change, then cycle
        start = values.index(control.value) + 1 if control.value in values else 0
        cycled = values[start:] + values[:start]
        return "choice", [cycled[k % len(cycled)] for k in range(moves)]
    return "other", []


def measure(explorer: Any, moves: int) -> list[dict[str, Any]]:
    """Median/max refresh time of every control of one (already shown) explorer."""
    rows = []
    controls = explorer.controls
    for control in controls.values():  # each move is one timed refresh: no debouncer
        control.unobserve(explorer._changed, names="value")
    for name, control in controls.items():
        kind, values = control_values(control, moves)
        if not values:
            continue
        default = control.value
        times, messages = [], 0
        for v in values:
            control.value = v
            t = time.perf_counter()
            result = explorer.refresh()
            times.append((time.perf_counter() - t) * 1000)
            messages += bool(getattr(result, "message", ""))
        control.value = default
        rows.append(
            {
                "control": name,
                "kind": kind,
                "moves": len(times),
                "median_ms": statistics.median(times),
                "max_ms": max(times),
                "moves_with_message": messages,
            }
        )
    explorer.refresh()
    return rows


def run(*, moves: int = MOVES, data: Path = SAMPLE) -> dict:
    """Measure every exported explorer; return the report (also the JSON written)."""
    import platform

    import channel_lib.presentation.charts  # noqa: F401  (the theme and the offline renderer, as in a notebook)

    report: dict[str, Any] = {
        "data": str(data.relative_to(ROOT) if data.is_relative_to(ROOT) else data),
        "moves": moves,
        "target_ms": TARGET_MS,
        "python": platform.python_version(),
        "explorers": [],
    }
    with tempfile.TemporaryDirectory(prefix="cw-bench-widgets-") as tmp:
        for cls in explorer_classes():
            factory = FACTORIES.get(cls.__name__, _generic(cls))
            entry: dict[str, Any] = {"explorer": cls.__name__}
            try:
                t = time.perf_counter()
                explorer = factory(data, Path(tmp) / "plans")
                entry["build_s"] = time.perf_counter() - t
                t = time.perf_counter()
                explorer.refresh()  # the first refresh: what show() does
                entry["first_refresh_s"] = time.perf_counter() - t
                entry["controls"] = measure(explorer, moves)
            except Exception as exc:  # report and go on: one broken explorer is a finding
                entry["error"] = f"{type(exc).__name__}: {exc}"
                entry.setdefault("controls", [])
            report["explorers"].append(entry)
            print(f"  measured {cls.__name__}", file=sys.stderr, flush=True)
    return report


def table(report: dict) -> str:
    """The report as a markdown table (one row per control)."""
    lines = [
        f"Widget recompute + redraw on {report['data']}: median of {report['moves']} moves per "
        f"control (target < {report['target_ms']:.0f} ms)",
        "",
        "| explorer | control | kind | median ms | max ms | first refresh s | within target |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for e in report["explorers"]:
        if "error" in e:
            lines.append(f"| {e['explorer']} | — | — | — | — | — | error: {e['error']} |")
            continue
        for r in e["controls"]:
            note = f" ({r['moves_with_message']} moves: message)" if r["moves_with_message"] else ""
            lines.append(
                f"| {e['explorer']} | {r['control']} | {r['kind']} | {r['median_ms']:.0f} | "
                f"{r['max_ms']:.0f} | {e['first_refresh_s']:.2f} | "
                f"{'yes' if r['median_ms'] < report['target_ms'] else 'NO'}{note} |"
            )
    return "\n".join(lines) + "\n"


def within_targets(report: dict) -> bool:
    """Every control of every explorer under the target median, and no explorer failed."""
    return all(
        "error" not in e and all(r["median_ms"] < report["target_ms"] for r in e["controls"])
        for e in report["explorers"]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=MOVES, help="values per control")
    args = parser.parse_args(argv)
    report = run(moves=args.moves)
    report["measured_at"] = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    text = table(report)
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "widgets.json").write_text(json.dumps(report, indent=2))
    print(f"written to {out / 'widgets.json'}")
    if not within_targets(report):
        print("some widget targets are not met (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
