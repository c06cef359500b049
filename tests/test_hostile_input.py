"""Hostile and faulty input files (issue 24): every line accounted for, bounds, safe YAML.

Each finding of the issue is reproduced with a small generated file against a small configured
limit (``CHANNEL_WORKBOOK_LIMITS``) instead of a 50 MB one. Reference values (line numbers, record
counts) come from how the test wrote the file or from Python's csv module, never from the loader.
"""

from __future__ import annotations

import csv
import io
import os
import random
import time
from pathlib import Path

import duckdb
import pytest

from channel_lib.cli import commands
from channel_lib.core.errors import DataValidationError, Problem, shorten
from channel_lib.data.loader import line_accounts, load_dataset
from channel_lib.data.readers import records
from channel_lib.data.readers.limits import LIMITS_ENV, Limits, current_limits
from channel_lib.data.readers.records import scan_records
from channel_lib.data.readers.yaml_files import read_yaml

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture
def small_limits(monkeypatch):
    """Lines of 4 KiB, cells of 512 bytes, YAML of 64 KiB and 8 levels, for this test."""
    monkeypatch.setenv(LIMITS_ENV, "line_bytes=4096,cell_bytes=512,yaml_bytes=65536,yaml_depth=8")
    return current_limits()


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder)
    return info.value.problems


def data_records(path: Path) -> int:
    """Data records of a CSV by Python's csv module (header and blank lines excluded)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for row in csv.reader(f) if row) - 1


def replace_cell(path: Path, line: int, column: str, value: str) -> None:
    """Write ``value`` (quoted) into ``column`` of ``line`` (1 = header) of a CSV."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[line - 1][rows[0].index(column)] = value
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


# -- finding 1: a line with an oversized cell is an error naming it, never dropped ------------------


@pytest.mark.parametrize("column", ["order_id", "sales_rep"], ids=["key-cell", "extra-column"])
def test_an_oversized_cell_is_a_problem_naming_line_column_and_limit(
    tiny_copy, small_limits, column
):
    sales = tiny_copy / "sales.csv"
    replace_cell(sales, 7, column, "x" * 600)
    problems = problems_of(tiny_copy)
    wide = [p for p in problems if p.file == "sales.csv" and "over the limit" in p.message]
    assert [(p.line, p.column) for p in wide] == [(7, column)]
    assert (
        "600 bytes" in wide[0].message and f"{small_limits.cell_bytes:,} bytes" in wide[0].message
    )


def test_an_oversized_customer_name_names_the_cell_not_54_unknown_customers(
    tiny_copy, small_limits
):
    replace_cell(tiny_copy / "customers.csv", 3, "customer_name", "Initech " * 100)
    problems = problems_of(tiny_copy)
    assert [(p.file, p.line, p.column) for p in problems] == [("customers.csv", 3, "customer_name")]


def test_a_line_over_the_line_limit_is_a_problem_naming_it(tiny_copy, small_limits):
    sales = tiny_copy / "sales.csv"
    lines = sales.read_text().splitlines(keepends=True)
    # a line of 20 cells of 300 bytes: each cell under 512, the line over 4,096
    lines.insert(4, ",".join(["y" * 300] * 20) + "\n")
    sales.write_text("".join(lines))
    long = [p for p in problems_of(tiny_copy) if "a line of" in p.message]
    assert [(p.file, p.line) for p in long] == [("sales.csv", 5)]
    assert "4,096 bytes" in long[0].message


def test_a_quoted_cell_full_of_line_breaks_is_refused_in_bounded_time(tiny_copy, small_limits):
    replace_cell(tiny_copy / "sales.csv", 10, "sales_rep", "\n" * 200_000)
    start = time.perf_counter()
    problems = problems_of(tiny_copy)
    assert time.perf_counter() - start < 10
    # the cell is over the cell limit, its record over the line limit: both named
    assert [(p.file, p.line, p.column) for p in problems if "over the limit" in p.message] == [
        ("sales.csv", 10, ""),
        ("sales.csv", 10, "sales_rep"),
    ]


# -- every line accounted for: loaded + reported = records ----------------------------------------


def test_every_line_of_the_sample_and_tiny_is_loaded(tiny_dir):
    for folder in (tiny_dir, SAMPLE):
        accounts = line_accounts(folder)
        assert {t: a.records for t, a in accounts.items()} == {
            t: data_records(folder / a.file) for t, a in accounts.items()
        }
        assert all(a.balanced and a.reported == 0 for a in accounts.values())


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_line_of_the_generated_datasets_is_loaded(small_sample, seed):
    folder = small_sample(seed)  # the folders the suite shares (made once per session)
    accounts = line_accounts(folder)
    assert "sales" in accounts
    for a in accounts.values():
        assert a.records == data_records(folder / a.file)
        assert a.balanced and a.loaded == a.records


def test_rejected_lines_are_counted_as_reported(tiny_copy):
    sales = tiny_copy / "sales.csv"
    replace_cell(sales, 4, "order_date", "2024-13-45")  # rejected by the reader
    replace_cell(sales, 6, "quantity", "lots")  # rejected by the reader
    with sales.open("a") as f:
        f.write("O9999,1,2024-07-03,DIR,,C1,SKU1,1,1.00,1.00\n")  # a cell short
    account = line_accounts(tiny_copy)["sales"]
    assert account.records == data_records(sales) == 29
    assert (account.loaded, account.reported) == (26, 3)


def test_blank_lines_and_crlf_line_ends_are_accounted_for(tiny_copy):
    sales = tiny_copy / "sales.csv"
    text = sales.read_text().replace("\n", "\r\n")
    sales.write_bytes(text.replace("\r\nO1002", "\r\n\r\nO1002", 1).encode())
    accounts = line_accounts(tiny_copy)
    assert accounts["sales"].records == data_records(sales) == 28
    assert accounts["sales"].balanced and accounts["sales"].reported == 0


@pytest.mark.parametrize("cell", ['Nati"onal distribution', 'National distribution"'])
def test_a_stray_quote_inside_an_unquoted_cell_is_read_as_a_character(tiny_copy, cell):
    # the scan takes every quote as one; the reader (and the csv module) only one at a cell's
    # start: the csv module's second count settles it, and the file loads whole
    channels = tiny_copy / "channels.csv"
    lines = channels.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace("National distribution", cell, 1)
    assert cell in lines[2]
    channels.write_text("".join(lines))
    account = line_accounts(tiny_copy)["channels"]
    assert account.balanced and account.records == data_records(channels)
    ds = load_dataset(tiny_copy)
    assert cell in set(ds.table("channels")["channel_name"])


@pytest.mark.parametrize("block", [1, 3, 64], ids=["1-byte", "3-byte", "64-byte"])
def test_the_record_scan_agrees_with_the_csv_module_across_blocks(monkeypatch, tmp_path, block):
    monkeypatch.setattr(records, "BLOCK", block)
    rng = random.Random(block)
    path = tmp_path / "t.csv"
    for _ in range(60):
        # csv.writer quotes a cell holding a character of its line end: a carriage return
        # (which a reader takes as a line end when unquoted) only with CRLF line ends
        end = rng.choice(["\n", "\r\n"])
        chars = 'ab,"\n ' + ("\r" if end == "\r\n" else "")
        rows = [
            ["".join(rng.choice(chars) for _ in range(rng.randint(0, 9))) for _ in range(3)]
            for _ in range(rng.randint(0, 12))
        ]
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator=end).writerows(rows)
        path.write_text(buffer.getvalue(), newline="")
        scan = scan_records(path, Limits(line_bytes=12, cell_bytes=6))
        reference = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
        assert scan.records == sum(1 for r in reference if r)
        # a cell over 6 bytes as written (quoted when it holds a quote, comma or line break)
        quoted = [
            [len(c) + 2 + c.count('"') if any(ch in c for ch in ',"\n\r') else len(c) for c in r]
            for r in reference
        ]
        expected = [
            (line, col, n) for line, r in enumerate(quoted, 1) for col, n in enumerate(r) if n > 6
        ]
        assert scan.wide_cells == expected[: records.MAX_LISTED]


# -- only regular files ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_device_fifo_or_folder_is_refused_without_reading(tiny_copy, kind):
    customers = tiny_copy / "customers.csv"
    customers.unlink()
    if kind == "device":
        customers.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(customers)
    else:
        customers.mkdir()
    start = time.perf_counter()
    problems = problems_of(tiny_copy)
    assert time.perf_counter() - start < 10
    refused = [p for p in problems if "not a regular file" in p.message]
    assert len(refused) == 1 and refused[0].file.startswith("customers.csv")
    assert {"device": "a device", "fifo": "a FIFO", "folder": "a folder"}[kind] in refused[
        0
    ].message
    assert not [p for p in problems if "unknown customer_id" in p.message]


def test_a_link_to_a_regular_file_is_read(tiny_copy, tmp_path):
    target = tmp_path / "elsewhere.csv"
    (tiny_copy / "customers.csv").rename(target)
    (tiny_copy / "customers.csv").symlink_to(target)
    ds = load_dataset(tiny_copy)
    assert ds.con.execute("SELECT count(*) FROM customers").fetchall()[0][0] == 6


def test_a_file_over_the_size_limit_is_refused(tiny_copy, monkeypatch):
    monkeypatch.setenv(LIMITS_ENV, "file_bytes=1000")
    size = (tiny_copy / "sales.csv").stat().st_size
    assert size > 1000
    refused = [p for p in problems_of(tiny_copy) if p.file == "sales.csv"]
    assert len(refused) == 1 and f"{size:,} bytes" in refused[0].message


# -- YAML: size, depth, aliases, links --------------------------------------------------------------

ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
        for p, c in zip("bcdefgh", "cdefghi", strict=True)
    )
)


@pytest.mark.parametrize("name", ["goals.yaml", "mapping.yaml"])
def test_a_yaml_alias_bomb_is_refused_at_its_first_anchor(tiny_copy, name):
    (tiny_copy / name).write_text("currency: USD\n" + ALIAS_BOMB)
    start = time.perf_counter()
    problems = [p for p in problems_of(tiny_copy) if p.file == name]
    assert time.perf_counter() - start < 10
    assert [(p.line, "anchor" in p.message) for p in problems] == [(2, True)]


@pytest.mark.parametrize("opening", ["[", "{a: "], ids=["lists", "mappings"])
def test_deep_yaml_is_a_problem_not_a_crash(tiny_copy, opening):
    (tiny_copy / "goals.yaml").write_text(opening * 100_000)
    problems = problems_of(tiny_copy)
    assert [(p.file, p.line) for p in problems] == [("goals.yaml", 1)]
    assert f"deeper than {current_limits().yaml_depth} levels" in problems[0].message


def test_a_yaml_file_over_its_size_limit_is_refused(tiny_copy, small_limits):
    goals = tiny_copy / "goals.yaml"
    goals.write_text(goals.read_text() + "#" * small_limits.yaml_bytes)
    problems = problems_of(tiny_copy)
    assert [p.file for p in problems] == ["goals.yaml"]
    assert f"{small_limits.yaml_bytes:,} bytes" in problems[0].message


def test_a_linked_goals_file_is_named_with_its_target_and_echoed_briefly(tiny_copy, tmp_path):
    system = tmp_path / "passwd"
    system.write_text("".join(f"user{i}: x:{i}:{i}:{'s' * 200}:/home/u{i}\n" for i in range(5)))
    (tiny_copy / "goals.yaml").unlink()
    (tiny_copy / "goals.yaml").symlink_to(system)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny_copy)
    goals = [p for p in info.value.problems if p.file.startswith("goals.yaml")]
    assert goals and {p.file for p in goals} == {f"goals.yaml (a link to {system})"}
    assert all(len(p.value) <= 80 for p in info.value.problems)
    assert "s" * 81 not in str(info.value)


def test_read_yaml_refuses_a_device():
    problem = read_yaml(Path("/dev/zero"))
    assert isinstance(problem, Problem) and "a device" in problem.message


# -- smaller gaps (finding 10), CR line ends (finding 9) --------------------------------------------


def test_a_goals_channel_missing_from_channels_is_a_problem(tiny_copy):
    goals = tiny_copy / "goals.yaml"
    text = goals.read_text()
    goals.write_text(text.replace("      DIR: {", "      DIRR: {", 1))
    line = text.splitlines().index(
        next(t for t in text.splitlines() if t.startswith("      DIR: {"))
    )
    problems = problems_of(tiny_copy)
    assert [(p.file, p.column, p.line) for p in problems] == [
        ("goals.yaml", "years.FY2025.channels.DIRR", line + 1)
    ]
    assert "rename it to 'DIR'" in problems[0].message


def test_old_mac_line_ends_are_a_clear_problem(tiny_copy):
    customers = tiny_copy / "customers.csv"
    customers.write_bytes(customers.read_bytes().replace(b"\n", b"\r"))
    problems = problems_of(tiny_copy)
    assert [(p.file, p.line) for p in problems] == [("customers.csv", 1)]
    assert "old Mac line ends" in problems[0].message and "convert" in problems[0].message


def test_a_long_currency_is_echoed_briefly(tiny_copy, capsys):
    goals = tiny_copy / "goals.yaml"
    goals.write_text(goals.read_text().replace("currency: USD", "currency: " + "U" * 50_000))
    capsys.readouterr()
    status = commands.main(["validate", str(tiny_copy)])
    out, err = capsys.readouterr()
    assert status == 2
    assert "three-letter currency code" in err and "U" * 81 not in out + err


def test_shorten_keeps_a_value_to_80_characters_on_one_line():
    assert len(shorten("v" * 10_000)) == 80
    assert "\n" not in shorten("a\nb" * 100)


# -- no SQL from paths (the readers' part) ----------------------------------------------------------


def test_a_folder_with_quotes_semicolons_and_dashes_loads_csv_and_parquet(tiny_dir, tmp_path):
    import shutil

    folder = tmp_path / "o'brien; DROP TABLE sales; --\"x"
    shutil.copytree(tiny_dir, folder)
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM read_csv(?, header = true, all_varchar = true)) TO '"
        + str(tmp_path / "s.parquet")
        + "' (FORMAT parquet)",
        [str(folder / "sales.csv")],
    )
    (tmp_path / "s.parquet").rename(folder / "sales.parquet")
    (folder / "sales.csv").unlink()
    ds = load_dataset(folder)
    assert ds.con.execute("SELECT count(*) FROM sales").fetchall()[0][0] == data_records(
        tiny_dir / "sales.csv"
    )


def test_a_bad_limits_variable_names_the_variable(monkeypatch):
    monkeypatch.setenv(LIMITS_ENV, "line_bytes=lots")
    with pytest.raises(ValueError, match=LIMITS_ENV):
        current_limits()


def test_an_id_with_quotes_on_a_rejected_line_is_looked_up_as_a_value(tiny_copy):
    sales = tiny_copy / "sales.csv"
    replace_cell(sales, 5, "order_date", "2024-13-45")  # rejected by the reader
    replace_cell(sales, 5, "customer_id", "C1'); DROP TABLE customers; --")
    problems = problems_of(tiny_copy)
    assert [(p.line, p.column, p.value) for p in problems if "unknown" in p.message] == [
        (5, "customer_id", "C1'); DROP TABLE customers; --")
    ]
