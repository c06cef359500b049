"""The files beside every report (issue 22, points 5 and 6): ``<report>.xlsx`` with every table of
the report in full, and ``<report>.pdf`` printed with one browser.

The workbook checks read the shared batch (``batch_reports``, session scope: no notebook runs
here) back with openpyxl and compare it with the page (its ``cw-table`` tables) and with plain
DuckDB SQL on the sample's files. The PDF check prints two of the batch's pages with
:func:`channel_lib.batch.pdf.print_pages` (one browser) and reads them with pypdf: pages, and every
chart's axis titles, which the test reads from the drawn page in its own browser.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_fixtures import Batch, batch_data_dir

from channel_lib.batch import pdf as batch_pdf
from channel_lib.presentation import spreadsheet
from channel_lib.presentation.export import files_line_html
from channel_lib.presentation.text import TABLE_MIME, table

#: The pages the PDF test prints (a chart-heavy report and the overview).
PRINTED = ("00_quarter_overview", "04_revenue_profit_trends")
FORBIDDEN = set("[]:*?/\\")


# -- the table payload and the sheet names, directly ------------------------------------------------
def test_table_carries_every_row_and_column_before_formatting() -> None:
    frame = pd.DataFrame(
        {
            "channel_id": [f"C{i}" for i in range(30)],
            "revenue": [1000.5 * i for i in range(30)],
            "gross_margin": [0.25] * 29 + [float("nan")],
            "on_target": [True, False] * 15,
            "close_date": pd.date_range("2026-04-01", periods=30, freq="D"),
        }
    )
    shown = table(frame, formats={"revenue": "{:,.0f}"}, caption="Channels", max_rows=10)
    payload = shown._repr_mimebundle_()[TABLE_MIME]
    assert shown.data.count("<tr") == 11  # the page shows ten rows and the header
    assert payload["rows"] == 30 and len(payload["data"]) == 30
    assert payload["caption"] == "Channels"  # without the "first 10 of 30 rows" note
    kinds = {c["name"]: c["kind"] for c in payload["columns"]}
    assert kinds == {"channel_id": "text", "revenue": "money", "gross_margin": "share",
                     "on_target": "bool", "close_date": "date"}  # fmt: skip
    last = payload["data"][-1]
    assert last == ["C29", 29014.5, None, False, "2026-04-30"]
    assert next(c for c in payload["columns"] if c["name"] == "revenue")["decimals"] == 0


@given(st.lists(st.one_of(st.none(), st.text(alphabet=string.printable + "[]:*?/\\'é", max_size=60)),
                max_size=12))  # fmt: skip
def test_sheet_names_are_excel_names(captions: list[str | None]) -> None:
    names = spreadsheet.sheet_names(captions)
    assert len(names) == len(captions)
    assert all(0 < len(n) <= spreadsheet.SHEET_NAME_LIMIT for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert not any(FORBIDDEN & set(n) for n in names)
    assert not any(n.startswith("'") or n.endswith("'") for n in names)
    assert spreadsheet.CONTENTS_SHEET.lower() not in {n.lower() for n in names}


# -- the shared batch's workbooks -------------------------------------------------------------------
def _ok_runs(batch: Batch) -> list[dict]:
    if batch.folder is None:
        pytest.fail("the batch has no notebooks to run")
    runs = [r for r in batch.manifest["notebooks"] if r["status"] == "ok"]
    assert runs, batch.log
    return runs


def _page_tables(html: str) -> int:
    return len(re.findall(r'<table[^>]*class="cw-table"', html))


def _page_columns(html: str) -> list[tuple[int, int]]:
    """Per ``cw-table`` of a page: the columns it shows and how many more its caption says the
    Excel workbook holds (``(3 more columns in the Excel workbook)``)."""
    out = []
    for element in re.findall(r'<table[^>]*class="cw-table".*?</table>', html, re.S):
        head = re.search(r"<thead>.*?</thead>", element, re.S)
        shown = len(re.findall(r'<th class="col_heading', head.group(0))) if head else 0
        more = re.search(r"\((\d+) more columns? in the Excel workbook\)", element)
        out.append((shown, int(more.group(1)) if more else 0))
    return out


def test_every_report_has_its_workbook_with_every_table_of_its_page(batch_reports: Batch) -> None:
    """Company reports and partner packs: one sheet per ``cw-table`` of the page, after Contents,
    with every column of the table (a page table names how many it leaves to the workbook)."""
    checked = hidden_seen = 0
    for run in _ok_runs(batch_reports):
        page = Path(run["html"]).read_text(encoding="utf-8")
        n_tables = _page_tables(page)
        if n_tables == 0:
            assert run["xlsx"] is None, run["key"]
            continue
        xlsx = Path(run["xlsx"])
        assert xlsx.parent == Path(run["html"]).parent and xlsx.exists(), run["key"]
        book = openpyxl.load_workbook(xlsx)
        assert book.sheetnames[0] == spreadsheet.CONTENTS_SHEET
        assert len(book.sheetnames) - 1 == n_tables, (run["key"], book.sheetnames)
        # the page links its workbook, relative to the page
        assert files_line_html(xlsx.name) in page, run["key"]
        # a wide table keeps on the page the columns a decision needs: the sheet holds them all
        for sheet, (shown, hidden) in zip(book.worksheets[1:], _page_columns(page), strict=True):
            assert sheet.max_column == shown + hidden, (run["key"], sheet.title, shown, hidden)
            hidden_seen += hidden
        checked += 1
    company = [r for r in _ok_runs(batch_reports) if r.get("partner_id") is None]
    assert all(r["xlsx"] for r in company if _page_tables(Path(r["html"]).read_text()) > 0)
    assert checked >= 3
    assert hidden_seen > 0, "no page table left a column to the workbook: the check checked nothing"


def test_workbook_sheets_have_short_unique_names_frozen_headers_and_numbers(
    batch_reports: Batch,
) -> None:
    numeric_cells = 0
    for run in _ok_runs(batch_reports):
        if not run["xlsx"]:
            continue
        book = openpyxl.load_workbook(run["xlsx"])
        names = book.sheetnames
        assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == len(names)
        contents = list(book[spreadsheet.CONTENTS_SHEET].values)
        assert contents[0][0], "the Contents sheet starts with the report's title"
        listed = [row[0] for row in contents[3:]]
        assert listed == names[1:], run["key"]
        for sheet in book.worksheets[1:]:
            assert sheet.freeze_panes == "A2", (run["key"], sheet.title)
            assert all(c.value not in (None, "") for c in sheet[1]), "every column has a header"
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.number_format != "General":  # a formatted column holds numbers
                        assert cell.data_type in ("n", "d") or cell.value == "–", (
                            run["key"], sheet.title, cell.coordinate, cell.value,
                        )  # fmt: skip
                    if cell.data_type == "n":
                        numeric_cells += 1
                    assert not isinstance(cell.value, bool), (run["key"], cell.coordinate)
                    # an empty text cell reads back as None; a raw missing value would be text
                    assert cell.value not in ("True", "False", "nan", "None", "NaN", "<NA>")
    assert numeric_cells > 100


def test_overview_workbook_holds_the_quarter_revenue_by_channel_as_duckdb_sums_it(
    batch_reports: Batch,
) -> None:
    """Reference: plain DuckDB on the dataset's sales file, for the quarter the batch reported."""
    import duckdb

    run = next(r for r in _ok_runs(batch_reports) if r["key"] == "00_quarter_overview")
    quarter = batch_reports.manifest["quarter"]
    book = openpyxl.load_workbook(run["xlsx"])
    sheet = book[next(n for n in book.sheetnames if n.startswith(f"Channels in {quarter}"))]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    # fiscal quarters end in September, December, March and June (FY2026-Q4 = April-June 2026)
    fy, q = int(quarter[2:6]), int(quarter[-1])
    start = pd.Timestamp(fy - 1, 7, 1) + pd.DateOffset(months=3 * (q - 1))
    end = start + pd.DateOffset(months=3)
    ref = dict(
        duckdb.sql(
            "SELECT channel_id, sum(revenue) FROM read_csv(?) "
            "WHERE order_date >= ? AND order_date < ? GROUP BY 1",
            params=[str(batch_data_dir() / "sales.csv"), start.date(), end.date()],
        ).fetchall()
    )
    assert set(rows) == set(ref)
    col = header.index("Revenue")
    for channel, total in ref.items():
        assert rows[channel][col] == pytest.approx(total, abs=0.005), channel
        assert cells[channel][col].data_type == "n"
        assert cells[channel][col].number_format == "#,##0"
    share = header.index("Revenue share")
    assert {cells[c][share].number_format for c in cells} == {"0.0%"}
    assert sum(rows[c][share] for c in rows) == pytest.approx(1.0, abs=1e-9)


def test_pages_do_not_carry_the_table_data(batch_reports: Batch) -> None:
    for run in _ok_runs(batch_reports):
        page = Path(run["html"]).read_text(encoding="utf-8")
        assert TABLE_MIME not in page and '"rows":' not in page, run["key"]


# -- PDF -----------------------------------------------------------------------------------------
def test_a_missing_chromium_is_named_with_its_fix(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(batch_pdf, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(batch_pdf.PdfError, match="make chromium"):
        batch_pdf.check_printer()
    with pytest.raises(batch_pdf.PdfError, match="make chromium"):
        batch_pdf.print_pages([(tmp_path / "a.html", tmp_path / "a.pdf")])
    assert not (tmp_path / "a.pdf").exists()


def _axis_titles(browser, html: Path) -> list[str]:
    """The axis titles of every chart as the browser draws the page (the test's own browser)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    try:
        page.goto(html.as_uri())
        page.wait_for_function(
            "() => [...document.querySelectorAll('.cw-chart')].every(e => e.querySelector('svg'))"
        )
        return page.evaluate(
            "() => [...document.querySelectorAll('.cw-chart svg .role-axis-title text')]"
            ".map(t => t.textContent.trim()).filter(t => t)"
        )
    finally:
        page.close()


def _squash(text: str) -> str:
    """Text without whitespace and ligatures (a PDF writes "fi" as one glyph, breaks lines)."""
    text = text.replace("ﬁ", "fi").replace("ﬂ", "fl").replace("ﬀ", "ff")
    return re.sub(r"\s+", "", text)


@pytest.mark.browser
def test_every_company_report_prints_to_a_pdf_with_every_chart_axis_title(
    batch_reports: Batch, browser, tmp_path: Path
) -> None:
    """What ``--pdf`` does for each company report, with one browser: pages on A4, and the text
    of every chart's axis titles in the PDF (the charts drew before printing)."""
    from pypdf import PdfReader

    company = [r for r in _ok_runs(batch_reports) if r.get("partner_id") is None]
    assert {r["key"] for r in company} >= set(PRINTED)
    pages = [(Path(r["html"]), tmp_path / f"{r['key']}.pdf") for r in company]
    results = batch_pdf.print_pages(pages, paper="A4")
    assert results == {pdf: None for _, pdf in pages}
    for html, pdf in pages:
        reader = PdfReader(pdf)
        assert len(reader.pages) > 0
        width_pt = float(reader.pages[0].mediabox.width)
        assert width_pt == pytest.approx(595, abs=2), "A4 is 595 points wide"
        text = _squash("".join(p.extract_text() for p in reader.pages))
        titles = _axis_titles(browser, html)
        assert titles, f"{html.name} has charts with axis titles"
        missing = [t for t in titles if _squash(t) not in text]
        assert not missing, f"{html.name}: axis titles not in the PDF text: {missing}"
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file left behind"


@pytest.mark.browser
def test_print_stylesheet_keeps_charts_inside_the_page_and_breaks_before_sections(
    batch_reports: Batch, browser
) -> None:
    """In print media at an A4 text width (186 mm ≈ 703 px) no chart is wider than the page,
    table headers repeat, rows are not cut and each section (h2) starts a page."""
    run = next(r for r in _ok_runs(batch_reports) if r["key"] == PRINTED[1])
    page = browser.new_page(viewport={"width": 703, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    try:
        page.goto(Path(run["html"]).as_uri())
        page.emulate_media(media="print")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.cw-chart')].every(e => e.querySelector('svg'))"
        )
        facts = page.evaluate(
            """() => ({
              charts: [...document.querySelectorAll('.cw-chart svg')]
                .map(s => s.getBoundingClientRect().right),
              h2: [...document.querySelectorAll('h2')].map(h => getComputedStyle(h).breakBefore),
              thead: [...document.querySelectorAll('table.cw-table thead')]
                .map(t => getComputedStyle(t).display),
              rows: [...document.querySelectorAll('table.cw-table tr')]
                .map(r => getComputedStyle(r).breakInside),
            })"""
        )
    finally:
        page.close()
    assert facts["charts"] and max(facts["charts"]) <= 703 + 1
    assert facts["h2"] and set(facts["h2"][1:]) == {"page"}
    assert set(facts["thead"]) == {"table-header-group"}
    assert set(facts["rows"]) == {"avoid"}
