"""Snapshot the workbook's outputs and compare two snapshots byte for byte, with exact masks.

A restructure of ``channel_lib`` must not change what the workbook writes. This script runs the
batch on three datasets — the committed sample, ``tests/data/tiny`` and a generated seed — into a
fixed working folder (so every absolute path printed in a report is the same from run to run),
then copies the HTML reports, the executed notebooks, the plans folder and the generated seed's
files into ``<snapshots>/<label>/``.

``compare`` then reports every file that differs between two snapshots after masking only what
legitimately changes from run to run:

- timestamps (an ISO date with a time of day: the manifest's ``started`` / ``finished``, the
  index's "run started", the action log's ``recorded_at``, papermill's ``start_time`` /
  ``end_time``) and durations (the manifest's ``seconds`` / ``export_seconds``, papermill's
  ``duration``, the index's and the log's ``12.3 s``);
- what a process or a temporary file is called: the manifest's ``worker`` (host:pid), papermill's
  ``output_path`` (a temporary name) and ``input_path`` (where the checkout is), the cache key
  of the prepared data (``.prepared/<hash>``, a digest of the metrics code);
- the traceback of an error a notebook stopped on (the library's file paths and line numbers
  move with the code; the error's name and message are still compared);
- the order of the action log's rows (``actions.csv`` is appended by the partner packs as each
  finishes, so two parallel workers may append in either order): its rows are compared sorted;
- the random ids papermill gives the cells it adds (the injected parameters, an error banner):
  a cell id that is not one of the committed notebooks' ids; pandas Styler's table id (``T_1a2b3``).

Nothing else is masked: chart ids are deterministic (``html._chart_id``).

Usage::

    .venv/bin/python tools/output_snapshot.py take before      # at the commit before
    .venv/bin/python tools/output_snapshot.py take after       # at the commit after
    .venv/bin/python tools/output_snapshot.py compare before after
    .venv/bin/python tools/output_snapshot.py compare before after --ignore-sources

Run ``take`` with the Python of the checkout being measured; it calls ``channel_lib.cli`` through
that interpreter. Exit status of ``compare``: 0 when every file is equal after masking, 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path("/tmp/channel-workbook-snapshot-run")  # fixed, so paths in reports never differ
SNAPSHOTS = Path("/tmp/channel-workbook-snapshots")

#: (name, dataset folder or None to generate, generator seed, scale, quarter)
RUNS = (
    ("sample", ROOT / "data" / "sample", None, None, "latest"),
    ("tiny", ROOT / "tests" / "data" / "tiny", None, None, "FY2026-Q3"),
    ("seed7", None, 7, 0.2, "latest"),
)

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
_DURATION_KEYS = re.compile(r'("(?:seconds|export_seconds|duration)": )[0-9.e-]+')
_NAME_KEYS = re.compile(r'("(?:worker|output_path|input_path)": )"[^"]*"')
_PREPARED_KEY = re.compile(r"\.prepared/[0-9a-f]+")
_CELL_ID_JSON = re.compile(r'("id": ")([0-9a-f]{8}(?:-[0-9a-f]{4}){0,4}[0-9a-f]*)(")')
_CELL_ID_HTML = re.compile(r'(id="cell-id=)([^"]+)(")')
_HTML_TRACEBACK = re.compile(r"(<pre>\n)([^<]*<span[^>]*>-{20,}</span>\n.*?)(</pre>)", re.DOTALL)
_STYLER_ID = re.compile(r"T_[0-9a-f]{5}")
_SECONDS = re.compile(r"\b\d+(?:\.\d+)? s\b")


def _notebook_cell_ids() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        ids.update(cell.get("id", "") for cell in json.loads(path.read_text())["cells"])
    return ids


_KNOWN_IDS = _notebook_cell_ids()


def _mask_unknown_id(match: re.Match[str]) -> str:
    known = match.group(2) in _KNOWN_IDS
    return match.group(0) if known else match.group(1) + "MASKED" + match.group(3)


def _cli(*args: str, ok: tuple[int, ...] = (0,)) -> None:
    done = subprocess.run([sys.executable, "-m", "channel_lib.cli", *args], cwd=ROOT)
    if done.returncode not in ok:
        raise SystemExit(f"channel-workbook {' '.join(args)} exited with {done.returncode}")


def take(label: str) -> Path:
    """Run the three batches and copy their outputs to ``SNAPSHOTS / label``."""
    dest = SNAPSHOTS / label
    shutil.rmtree(dest, ignore_errors=True)
    for name, data, seed, scale, quarter in RUNS:
        run = WORK / name
        shutil.rmtree(run, ignore_errors=True)
        run.mkdir(parents=True)
        if data is None:
            _cli("sample", "--seed", str(seed), "--scale", str(scale), "--out", str(run / "data"))
        else:  # a copy, so the dataset's path in the manifest is the same from any checkout
            shutil.copytree(data, run / "data")
        # a failed notebook (exit status 1) is output too: its error must stay the same
        _cli("report", "--data", str(run / "data"), "--plans", str(run / "plans"),
             "--quarter", quarter, "--out", str(run / "reports"), "--workers", "2", ok=(0, 1))  # fmt: skip
        shutil.copytree(run, dest / name, ignore=shutil.ignore_patterns(".prepared", "README.md"))
    print(f"snapshot {label!r} written to {dest}")
    return dest


def _masked_notebook(text: str, *, sources: bool = True) -> str:
    notebook = json.loads(text)
    for cell in notebook.get("cells", []):
        if not sources and cell.get("cell_type") == "code":
            cell["source"] = "SOURCE MASKED"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = ["MASKED"]
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False)


def _html_traceback(match: re.Match[str]) -> str:
    body = match.group(2)
    if "Traceback (most recent call last)" not in body:
        return match.group(0)
    last = [line for line in body.splitlines() if line.strip()][-1]  # "ParameterError: ..."
    return match.group(1) + "TRACEBACK MASKED\n" + last + "\n" + match.group(3)


def masked(path: Path, *, sources: bool = True) -> str | bytes:
    """The file's content with the run-to-run variations masked (see the module docstring)."""
    data = path.read_bytes()
    if path.suffix not in {".html", ".ipynb", ".json", ".csv", ".md", ".txt", ".yaml", ".log"}:
        return data
    text = data.decode("utf-8")
    if path.suffix == ".ipynb":
        text = _masked_notebook(text, sources=sources)
    text = _TIMESTAMP.sub("TIMESTAMP", text)
    text = _PREPARED_KEY.sub(".prepared/MASKED", text)
    if path.name == "actions.csv":
        header, *rows = text.splitlines()
        text = "\n".join([header, *sorted(rows)])
    if path.suffix in {".json", ".ipynb"}:
        text = _DURATION_KEYS.sub(r"\1MASKED", text)
        text = _NAME_KEYS.sub(r"\1MASKED", text)
    if path.suffix == ".ipynb":
        text = _CELL_ID_JSON.sub(_mask_unknown_id, text)
    if path.suffix == ".html":
        text = _CELL_ID_HTML.sub(_mask_unknown_id, text)
        text = _HTML_TRACEBACK.sub(_html_traceback, text)
    if path.suffix in {".html", ".ipynb"}:
        text = _STYLER_ID.sub("T_MASKED", text)
    if path.name == "index.html" or path.suffix == ".log":
        text = _SECONDS.sub("N s", text)
    return text


def compare(a: str, b: str, *, sources: bool = True) -> int:
    """Print every file that differs between snapshots ``a`` and ``b``; 0 when none does."""
    left, right = SNAPSHOTS / a, SNAPSHOTS / b
    files_a = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    files_b = {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    problems = [f"only in {a}: {p}" for p in sorted(files_a - files_b)]
    problems += [f"only in {b}: {p}" for p in sorted(files_b - files_a)]
    for rel in sorted(files_a & files_b):
        x, y = masked(left / rel, sources=sources), masked(right / rel, sources=sources)
        if x == y:
            continue
        problems.append(f"differs: {rel}")
        if isinstance(x, str) and isinstance(y, str):
            diff = difflib.unified_diff(x.splitlines(), y.splitlines(), a, b, lineterm="", n=0)
            problems.extend("    " + line[:300] for line in list(diff)[:12])
    for line in problems:
        print(line)
    print(f"{len(files_a & files_b)} files compared, {len(problems)} lines of difference")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("take").add_argument("label")
    p = sub.add_parser("compare")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument(
        "--ignore-sources",
        action="store_true",
        help="mask the code cells' source in executed notebooks (when notebooks were edited to "
        "call other functions: their outputs, and every HTML page, are still compared exactly)",
    )
    args = parser.parse_args()
    if args.command == "take":
        take(args.label)
        return 0
    return compare(args.a, args.b, sources=not args.ignore_sources)


if __name__ == "__main__":
    sys.exit(main())
