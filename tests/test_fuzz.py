"""Fuzz test of the loader and ``channel-workbook validate`` on hostile files (issue 24).

Each case copies ``tests/data/tiny`` into a fresh folder, applies one to three mutations drawn by
hypothesis to its files (truncation at any byte, cells over the configured cell or line limit,
random bytes, stray quotes, CR / LF / CRLF / mixed line ends, byte-order marks, NUL bytes; for the
YAML files deep nesting, anchors and aliases, huge scalars and values of the wrong type; a table
replaced by a folder, a link to ``/dev/zero`` or an empty file) and runs ``validate`` in-process
against small limits (``CHANNEL_WORKBOOK_LIMITS``). For every case it asserts:

- the command returns 0 (valid) or 2 (bad input) and raises nothing;
- nothing it prints holds ``Traceback``, nor more than ~80 characters of a long mutated value;
- it finishes within :data:`CASE_SECONDS`;
- the folder's files are byte-identical afterwards and no file was added;
- every CSV that was read is accounted for: loaded + reported = records
  (:func:`~channel_lib.data.loader.line_accounts`);
  the one exception (by design) is a file the loader refuses whole, naming its counts: a quote
  inside an unquoted cell makes the loader's record scan and DuckDB disagree;
- when the folder is valid, the sales lines it names and every table's rows equal the data
  records Python's csv module counts (an independent count: a line lost silently shows here).

Profiles: the suite's profile draws at most 20 cases here (``ci`` and ``dev`` capped, ``fast``
10) and does not shrink, which keeps the module under 30 s; ``FUZZ_PROFILE=long`` (or
``HYPOTHESIS_PROFILE=long`` once tests/conftest.py registers the name before it loads a profile)
runs :data:`LONG_CASES` cases, shrinking a failure::

    FUZZ_PROFILE=long .venv/bin/python -m pytest -p no:xdist -q tests/test_fuzz.py
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from channel_lib.cli import commands
from channel_lib.data.loader import line_accounts
from channel_lib.data.readers.limits import LIMITS_ENV

TINY = Path(__file__).resolve().parent / "data" / "tiny"

#: Small limits, so that a cell or line over them stays a few kilobytes.
LIMITS = {"line_bytes": 4096, "cell_bytes": 512, "yaml_bytes": 16384, "yaml_depth": 8}
#: Longest a case may take (validate and the line accounts together), in seconds.
CASE_SECONDS = 10.0
#: Cases of the long profile (run by hand).
LONG_CASES = 1000

#: Every table file of the tiny dataset, and its YAML files (mapping.yaml is made by a mutation).
CSV_FILES = sorted(p.name for p in TINY.glob("*.csv"))
YAML_FILES = ["goals.yaml", "mapping.yaml"]

# the long profile (LONG_CASES cases, shrinking on) is registered in tests/conftest.py
_PROFILE = os.environ.get("FUZZ_PROFILE") or os.environ.get("HYPOTHESIS_PROFILE")
FUZZ_SETTINGS = (
    settings(settings.get_profile("long"))
    if _PROFILE == "long"
    else settings(
        max_examples=min(settings.default.max_examples, 20),
        deadline=None,
        # no shrinking in the suite: a step costs ~0.5 s and hypothesis may spend 5 minutes on
        # it; a failure's message lists its mutations (the long profile shrinks)
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
)

#: Characters a long mutated value is made of; a run of more than SHOWN of them may not be echoed.
FILLER = "Z"
SHOWN = 100


# -- mutations: each takes the file's bytes and returns the new bytes ------------------------------


def _split_lines(data: bytes) -> list[bytes]:
    return re.split(rb"\r\n|\r|\n", data)


@st.composite
def truncation(draw: st.DrawFn, data: bytes) -> bytes:
    """The file cut at any byte (possibly inside a quoted cell or a UTF-8 character)."""
    return data[: draw(st.integers(0, len(data)))]


@st.composite
def long_cell(draw: st.DrawFn, data: bytes) -> bytes:
    """One cell (quoted or not, maybe with line breaks) around or over the cell / line limit."""
    lines = data.split(b"\n")
    row = draw(st.integers(0, max(len(lines) - 1, 0)))
    cells = lines[row].split(b",")
    col = draw(st.integers(0, len(cells) - 1))
    size = draw(
        st.sampled_from([LIMITS["cell_bytes"] - 2, LIMITS["cell_bytes"] + 1])
        | st.integers(LIMITS["cell_bytes"] - 8, 2 * LIMITS["line_bytes"])
    )
    body = FILLER.encode() * size
    style = draw(st.sampled_from(["bare", "quoted", "quoted-newlines", "extra-column"]))
    if style == "quoted":
        value = b'"' + body + b'"'
    elif style == "quoted-newlines":
        step = draw(st.integers(1, 64))
        value = b'"' + b"\n".join(body[i : i + step] for i in range(0, len(body), step)) + b'"'
    else:
        value = body
    if style == "extra-column":
        cells.append(value)
    else:
        cells[col] = value
    lines[row] = b",".join(cells)
    return b"\n".join(lines)


@st.composite
def random_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """A few random bytes inserted or written over the file at a random place."""
    at = draw(st.integers(0, len(data)))
    chunk = draw(st.binary(min_size=1, max_size=64))
    if draw(st.booleans()):
        return data[:at] + chunk + data[at:]
    return data[:at] + chunk + data[at + len(chunk) :]


@st.composite
def quotes(draw: st.DrawFn, data: bytes) -> bytes:
    """Stray or doubled quotes inserted at random places (an unclosed quote runs to the end)."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(out)))
        out[at:at] = draw(st.sampled_from([b'"', b'""', b'"""', b"'", b'",\n"']))
    return bytes(out)


@st.composite
def line_ends(draw: st.DrawFn, data: bytes) -> bytes:
    """Every line end rewritten as CR (old Mac), CRLF, LF or a mix; a final one added or not."""
    lines = _split_lines(data)
    ends = [b"\r", b"\r\n", b"\n"]
    style = draw(st.sampled_from(["CR", "CRLF", "LF", "mixed"]))
    if style == "mixed":
        chosen = draw(st.lists(st.sampled_from(ends), min_size=len(lines), max_size=len(lines)))
    else:
        chosen = [{"CR": b"\r", "CRLF": b"\r\n", "LF": b"\n"}[style]] * len(lines)
    out = b"".join(line + end for line, end in zip(lines, chosen, strict=True))
    return out if draw(st.booleans()) else out.rstrip(b"\r\n")


@st.composite
def bom(draw: st.DrawFn, data: bytes) -> bytes:
    """A byte-order mark (UTF-8, doubled, UTF-16) at the start or inside the file."""
    mark = draw(
        st.sampled_from([b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
    )
    at = 0 if draw(st.booleans()) else draw(st.integers(0, len(data)))
    return data[:at] + mark + data[at:]


@st.composite
def nul_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """NUL bytes at random places (inside a cell, a header, a line end)."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(out)))
        out[at:at] = b"\x00" * draw(st.integers(1, 3))
    return bytes(out)


@st.composite
def duplicated_lines(draw: st.DrawFn, data: bytes) -> bytes:
    """A line (the header too) repeated, dropped or swapped with another."""
    lines = data.split(b"\n")
    a = draw(st.integers(0, len(lines) - 1))
    b = draw(st.integers(0, len(lines) - 1))
    action = draw(st.sampled_from(["repeat", "drop", "swap"]))
    if action == "repeat":
        lines.insert(a, lines[a])
    elif action == "drop":
        del lines[a]
    else:
        lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def _yaml_nest(depth: int, kind: str) -> bytes:
    if kind == "flow-list":
        return b"[" * depth + b"1" + b"]" * depth
    if kind == "flow-map":
        return b"{a: " * depth + b"1" + b"}" * depth
    return (
        b"\n"
        + b"".join(b"  " * (i + 1) + b"k:\n" for i in range(depth))
        + b"  " * (depth + 1)
        + b"v"
    )


#: Keys of goals.yaml (top level and under a year) whose values a mutation replaces.
_GOALS_KEYS = [b"currency", b"fiscal_year", b"start_month", b"naming", b"signals", b"years",
               b"FY2025", b"revenue_objective", b"gross_margin_goal", b"managing_for",
               b"strategic_focus", b"segments", b"channels", b"DIR", b"role_weight"]  # fmt: skip
#: Values of the wrong type (and hostile ones) for any of those keys.
_WRONG_VALUES = [b"null", b"[]", b"{}", b"[1, 2]", b"-1", b"1e400", b"nan", b".inf", b"true",
                 b"'0.35'", b"2024-13-45", b"!!python/object:os.system ls", b"!!binary AAAA",
                 b"!!int abc", b"!!timestamp 5", b"!!float x", b"2024-02-30", b"?", b"|",
                 b"<<: {a: 1}", b"\"unterminated", b"x: y: z"]  # fmt: skip


@st.composite
def yaml_structure(draw: st.DrawFn, data: bytes) -> bytes:
    """goals.yaml (or mapping.yaml) with a hostile structure at a known key or at the top."""
    kind = draw(
        st.sampled_from(
            ["deep", "alias-bomb", "anchor", "huge-scalar", "wrong-type", "merge-key", "tabs"]
        )
    )
    if kind == "deep":
        shape = draw(st.sampled_from(["flow-list", "flow-map", "block"]))
        value = _yaml_nest(draw(st.integers(LIMITS["yaml_depth"] - 2, 4000)), shape)
    elif kind == "alias-bomb":
        levels = draw(st.integers(1, 9))
        bomb = [b'a0: &a0 ["lol"]']
        bomb += [
            b"a%d: &a%d [%s]" % (i, i, b",".join([b"*a%d" % (i - 1)] * 9)) for i in range(1, levels)
        ]
        value = b"\n" + b"\n".join(b"  " + line for line in bomb)
    elif kind == "anchor":
        value = b"&x " + draw(st.sampled_from([b"USD", b"{a: 1}", b"[1]"]))
    elif kind == "huge-scalar":
        value = b'"' + FILLER.encode() * draw(st.integers(100, 2 * LIMITS["yaml_bytes"])) + b'"'
    elif kind == "merge-key":
        value = b"{<<: {a: 1}, b: 2}"
    elif kind == "tabs":
        value = b"\n\tk: v"
    else:
        value = draw(st.sampled_from(_WRONG_VALUES))
    if not data or draw(st.integers(0, 4)) == 0:  # the whole file, or a known key at the top
        return draw(st.sampled_from([b"", b"years: ", b"sales: ", b"currency: "])) + value
    key = draw(st.sampled_from(_GOALS_KEYS))
    match = re.search(rb"(?m)^(\s*)" + key + rb":[^\n]*", data)
    if match is None:
        return data + b"\n" + key + b": " + value
    return data[: match.start()] + match.group(1) + key + b": " + value + data[match.end() :]


BYTE_MUTATIONS = [truncation, long_cell, random_bytes, quotes, line_ends, bom, nul_bytes,
                  duplicated_lines]  # fmt: skip


@st.composite
def mutation(draw: st.DrawFn) -> tuple[str, str, object]:
    """(file, kind, argument): a byte mutation of a file, a YAML one, or a file replaced."""
    roll = draw(st.integers(0, 9))
    if roll <= 6:
        name = draw(st.sampled_from([*CSV_FILES, "goals.yaml"]))
        return name, "bytes", draw(st.sampled_from(BYTE_MUTATIONS))
    if roll <= 8:
        return draw(st.sampled_from(YAML_FILES)), "yaml", yaml_structure
    name = draw(st.sampled_from([*CSV_FILES, *YAML_FILES]))
    return name, "replace", draw(st.sampled_from(["folder", "dev-zero", "empty", "fifo"]))


def apply(folder: Path, draw: st.DrawFn, name: str, kind: str, arg: object) -> str:
    """Apply one mutation to ``folder``; returns a short description for the failure report."""
    path = folder / name
    if kind == "replace":
        if path.is_dir() and not path.is_symlink():
            return f"{name}: already a folder"
        path.unlink(missing_ok=True)
        if arg == "folder":
            path.mkdir()
        elif arg == "dev-zero":
            path.symlink_to("/dev/zero")
        elif arg == "fifo":
            os.mkfifo(path)
        else:
            path.write_bytes(b"")
        return f"{name} replaced by {arg}"
    if kind == "yaml" and not path.exists():
        before = b""  # mapping.yaml: made by the mutation
    elif not path.is_file() or path.is_symlink():
        return f"{name}: not a regular file any more, left as it is"
    else:
        before = path.read_bytes()
    after = draw(arg(before))  # type: ignore[operator]
    path.write_bytes(after)
    return f"{name}: {arg.__name__} ({len(before)} -> {len(after)} bytes)"  # type: ignore[attr-defined]


# -- the invariants ---------------------------------------------------------------------------------


@contextlib.contextmanager
def small_limits() -> Iterator[None]:
    """``CHANNEL_WORKBOOK_LIMITS`` set to :data:`LIMITS` for the block (restored afterwards)."""
    old = os.environ.get(LIMITS_ENV)
    os.environ[LIMITS_ENV] = ",".join(f"{k}={v}" for k, v in LIMITS.items())
    try:
        yield
    finally:
        if old is None:
            del os.environ[LIMITS_ENV]
        else:
            os.environ[LIMITS_ENV] = old


def snapshot(folder: Path) -> dict[str, str]:
    """Name → SHA-256 of each regular file in ``folder`` (``kind`` for anything else)."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            out[path.name] = f"link to {os.readlink(path)}"
        elif path.is_file():
            out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[path.name] = "folder" if path.is_dir() else "other"
    return out


def csv_records(path: Path) -> int | None:
    """Data records of a CSV by Python's csv module (header and blank lines excluded), or
    ``None`` when the module cannot read it as UTF-8."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return sum(1 for row in csv.reader(f) if row) - 1
    except (UnicodeDecodeError, csv.Error):
        return None


def run_validate(folder: Path) -> tuple[int, str, float]:
    """``channel-workbook validate folder`` in-process: (status, stdout + stderr, seconds)."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = commands.main(["validate", str(folder)])
    return status, out.getvalue() + err.getvalue(), time.perf_counter() - start


def check_case(folder: Path, steps: list[str]) -> int:
    """Run validate and the line accounts on ``folder``, assert every invariant; the status."""
    what = "; ".join(steps)
    before = snapshot(folder)
    status, output, seconds = run_validate(folder)
    assert status in (0, 2), f"{what}: exit {status}\n{output[-2000:]}"
    assert "Traceback" not in output, f"{what}: a traceback\n{output[-4000:]}"
    assert FILLER * SHOWN not in output, f"{what}: a long value echoed whole\n{output[:2000]}"
    start = time.perf_counter()
    accounts = line_accounts(folder)
    seconds += time.perf_counter() - start
    assert seconds < CASE_SECONDS, f"{what}: {seconds:.1f} s"
    assert snapshot(folder) == before, f"{what}: the folder's files changed"
    for name, account in accounts.items():
        if account.balanced:
            continue
        # the one exception, by design: neither the scan nor the csv module's second count
        # agrees with what DuckDB read (a carriage return inside a line, say); the file is then
        # refused as a whole, with its counts (a stray quote in a cell is read, and balances)
        refused = account.file in output and (
            f"the file holds {account.records:,} data records" in output
        )
        assert status == 2 and refused, (
            f"{what}: {name}: loaded + reported != records and not refused: {account}"
        )
    if status == 0:
        shown = re.search(r"valid — \d+ tables, ([\d,]+) sales lines", output)
        assert shown is not None, f"{what}: exit 0 without the valid line\n{output[:2000]}"
        expected = csv_records(folder / "sales.csv")
        assert expected is None or int(shown.group(1).replace(",", "")) == expected, (
            f"{what}: validate says {shown.group(1)} sales lines, csv counts {expected}"
        )
        for account in accounts.values():  # valid: every record loaded, by an independent count
            expected = csv_records(folder / account.file)
            assert expected is None or account.loaded == expected, f"{what}: {account}"
    return status


@contextlib.contextmanager
def tiny_copy() -> Iterator[Path]:
    """A fresh copy of tests/data/tiny (hypothesis runs many cases per test: no tmp_path)."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = Path(tmp) / "tiny"
        shutil.copytree(TINY, folder)
        yield folder


@FUZZ_SETTINGS
@given(st.data())
def test_validate_on_mutated_tiny_files_exits_0_or_2_and_accounts_for_every_line(data):
    with small_limits(), tiny_copy() as folder:
        steps = []
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            name, kind, arg = data.draw(mutation(), label="mutation")
            steps.append(apply(folder, data.draw, name, kind, arg))
        check_case(folder, steps)


# -- a fixed corpus: one case per mutation kind, so each runs whatever hypothesis draws -------------

_BIG = FILLER * (2 * LIMITS["line_bytes"])
CORPUS = {
    "sales-cut-mid-line": ("sales.csv", lambda d: d[: len(d) // 2 + 3]),
    "sales-cell-over-cell-limit": (
        "sales.csv", lambda d: d.replace(b"O1002,", FILLER.encode() * 600 + b",", 1)),
    "sales-quoted-cell-over-line-limit-with-newlines": (
        "sales.csv", lambda d: d.replace(b",ana\n", b',"' + "\n".join(_BIG).encode() + b'"\n', 1)),
    "sales-extra-notes-column": (
        "sales.csv", lambda d: d.replace(b"ana\n", b'ana,"' + _BIG.encode() + b'"\n', 1)),
    "sales-unclosed-quote": ("sales.csv", lambda d: d.replace(b"O1003", b'"O1003', 1)),
    "sales-old-mac-cr": ("sales.csv", lambda d: d.replace(b"\n", b"\r")),
    "sales-mixed-ends": ("sales.csv", lambda d: d.replace(b"\n", b"\r\n", 5).replace(b"ana\n", b"ana\r")),
    "sales-utf8-bom": ("sales.csv", lambda d: b"\xef\xbb\xbf" + d),
    "sales-utf16-bom": ("sales.csv", lambda d: b"\xff\xfe" + d),
    "sales-bom-mid-file": ("sales.csv", lambda d: d.replace(b"O1003", b"\xef\xbb\xbfO1003", 1)),
    "sales-nul-in-cell": ("sales.csv", lambda d: d.replace(b"O1002", b"O10\x0002", 1)),
    "sales-nul-in-header": ("sales.csv", lambda d: d.replace(b"order_id", b"order\x00id", 1)),
    "sales-invalid-utf8": ("sales.csv", lambda d: d.replace(b"ana", b"an\xff\xfe", 1)),
    "sales-crlf-header-lf-lines": ("sales.csv", lambda d: d.replace(b"\n", b"\r\n", 1)),
    "partners-lone-cr-after-header": ("partners.csv", lambda d: d.replace(b"\n", b"\r", 1)),
    "channels-quote-inside-unquoted-cell": ("channels.csv", lambda d: d.replace(b"Nati", b'Nati"', 1)),
    "channels-quote-inside-a-date": ("channels.csv", lambda d: d.replace(b"2019-03", b'2019"-03', 1)),
    "customers-cell-over-limit": (
        "customers.csv", lambda d: d.replace(b"\n", b"," + FILLER.encode() * 700 + b"\n", 2)),
    "goals-deep-flow": ("goals.yaml", lambda d: d + b"\nextra: " + b"[" * 5000 + b"]" * 5000),
    "goals-unclosed-deep": ("goals.yaml", lambda d: d.replace(b"currency: USD", b"currency: " + b"[" * 5000)),
    "goals-alias-bomb": ("goals.yaml", lambda d: d.replace(
        b"signals:", b'bomb:\n  a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        b"  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nsignals:", 1)),
    "goals-huge-currency": ("goals.yaml", lambda d: d.replace(b"USD", FILLER.encode() * 8000, 1)),
    "goals-wrong-types": ("goals.yaml", lambda d: d.replace(b"80000", b"[1, 2]").replace(b"0.35", b"{a: 1}")),
    "goals-impossible-date": ("goals.yaml", lambda d: d.replace(b"naming: end", b"naming: 2024-13-45", 1)),
    "goals-int-tag-on-text": ("goals.yaml", lambda d: d.replace(b"80000", b"!!int abc", 1)),
    "goals-timestamp-tag-on-number": ("goals.yaml", lambda d: d.replace(b"0.35", b"!!timestamp 5", 1)),
    "goals-python-tag": ("goals.yaml", lambda d: d.replace(b"USD", b"!!python/object/apply:os.system [ls]", 1)),
    "goals-over-yaml-size": ("goals.yaml", lambda d: d + b"\n# " + FILLER.encode() * (2 * LIMITS["yaml_bytes"])),
    "mapping-alias": ("mapping.yaml", lambda d: b"sales: &s {file: sales.csv}\ncustomers: *s\n"),
    "mapping-deep": ("mapping.yaml", lambda d: b"sales: " + b"{a: " * 3000 + b"1" + b"}" * 3000),
}  # fmt: skip


@pytest.fixture(scope="module")
def limits_set() -> Iterator[None]:
    with small_limits():
        yield


@pytest.mark.parametrize("case", list(CORPUS), ids=list(CORPUS))
def test_validate_on_the_hostile_corpus_exits_0_or_2_and_accounts_for_every_line(limits_set, case):
    name, change = CORPUS[case]
    with tiny_copy() as folder:
        path = folder / name
        path.write_bytes(change(path.read_bytes() if path.exists() else b""))
        check_case(folder, [case])


NOT_REGULAR = [("sales.csv", "folder"), ("customers.csv", "dev-zero"), ("goals.yaml", "fifo"),
               ("products.csv", "empty")]  # fmt: skip


@pytest.mark.parametrize(("name", "kind"), NOT_REGULAR, ids=[f"{n}-{k}" for n, k in NOT_REGULAR])
def test_validate_refuses_a_file_replaced_by_a_folder_device_fifo_or_nothing(
    limits_set, name, kind
):
    with tiny_copy() as folder:
        steps = [apply(folder, lambda s: s, name, "replace", kind)]
        assert check_case(folder, steps) == 2


# -- what the fuzz found, fixed in channel_lib/data/readers: the message names file and line -------


@pytest.mark.parametrize(
    ("case", "file", "line", "words"),
    [
        ("sales-crlf-header-lf-lines", "sales.csv", 2, "mix of CRLF and LF (line 2"),
        ("sales-mixed-ends", "sales.csv", 6, "mix of CRLF and LF (line 6"),
        ("partners-lone-cr-after-header", "partners.csv", 1, "carriage return"),
        ("goals-impossible-date", "goals.yaml", 5, "2024-13-45"),
        ("goals-int-tag-on-text", "goals.yaml", 10, "abc"),
    ],
    ids=["crlf-then-lf", "lf-then-crlf", "cr-in-header", "impossible-date", "int-tag"],
)
def test_a_file_the_fuzz_broke_is_a_problem_naming_file_and_line(
    limits_set, case, file, line, words
):
    name, change = CORPUS[case]
    with tiny_copy() as folder:
        path = folder / name
        path.write_bytes(change(path.read_bytes()))
        status, output, _ = run_validate(folder)
    row = next((r for r in output.splitlines() if r.lstrip().startswith(file)), "")
    assert status == 2 and words in row and re.search(rf"\s{line}\s", row), output
