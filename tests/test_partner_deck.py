"""The partner's deck and the internal brief (issue 25, points 1, 2 and 6).

The canary: the hostile batch (``report_fixtures.hostile_batch``, run once per session: notebook
06 on a copy of ``tests/data/tiny``) gives partner P3 a gross profit of 4,817,293.56 in its
quarter (``CANARY_LINE``). The figure is recomputed here with DuckDB on the batch's own CSV, found
in the brief (the search can find it), and then searched in every file under ``partners/`` and
in the deck's PDF in several number formats, with the internal words. No new notebook execution:
the shared batches are reused; the PDF test prints one page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import nbformat
import pytest
from report_fixtures import CANARY_PARTNER, HOSTILE_DATA_FOLDER, HOSTILE_QUARTER, ROOT

from channel_lib.presentation.export import DECK_ONLY_TAG, DECK_TAG
from channel_lib.presentation.offline import CHART_CLASS
from channel_lib.presentation.text import TABLE_MIME

NOTEBOOK = ROOT / "notebooks" / "06_partner_review.ipynb"
#: The hostile quarter FY2026-Q3 of a July-June year.
QUARTER_START, QUARTER_END = "2026-01-01", "2026-04-01"
#: Words and patterns of internal figures and notes that no file under partners/ may hold.
INTERNAL = [
    re.compile(r"gross[ _]profit", re.I),
    re.compile(r"margin", re.I),
    re.compile(r"\bFY\d{4}-Q[1-4]-[A-Za-z0-9]+-[a-z_]+"),  # action ids
    re.compile(r"[\w\-]+\.csv\b"),  # file names
    re.compile(r"company revenue", re.I),
]
MAX_NOTEBOOK_BYTES = 200_000


def _canary_gross_profit(data: Path) -> float:
    """The canary partner's gross profit in the hostile quarter, in plain SQL on sales.csv."""
    sql = (
        "SELECT round(sum(CAST(revenue AS DECIMAL(18,4)) - CAST(cost_of_sales AS DECIMAL(18,4))), 2) "
        "FROM read_csv(?, all_varchar=true) WHERE partner_id = ? AND order_date >= ? "
        "AND order_date < ?"
    )
    return float(
        duckdb.execute(
            sql, [str(data / "sales.csv"), CANARY_PARTNER, QUARTER_START, QUARTER_END]
        ).fetchall()[0][0]
    )


def _formats(x: float) -> list[str]:
    """``x`` as a page could write it: 4817293, 4,817,293, 4,817,294, 4817293.56, 4.82M, 4.8M."""
    return sorted({
        f"{int(x)}", f"{x:,.0f}", f"{int(x):,}", f"{x:.2f}", f"{x:,.2f}",
        f"{x / 1e6:.2f}M", f"{x / 1e6:.1f}M", f"{x / 1e3:,.0f}K",
    })  # fmt: skip


def _text_of_pdf(path: Path) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(path).pages)


def _text_of_workbook(path: Path) -> str:
    """Every cell of every sheet, numbers as Python writes them (4817293.56)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(
        str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
        for v in row if v is not None
    )  # fmt: skip


def _without_library(html: str) -> str:
    """A page's source without its stylesheets and the chart library's script (CSS says
    ``margin``): the text, tables and chart specs stay."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S | re.I)
    return re.sub(r"<script[^>]*>(?:(?!</script>).)*?vegaEmbed\s*=.*?</script>", "", html,
                  flags=re.S)  # fmt: skip


def _leaks(text: str, figures: list[str], *, words: str | None = None) -> list[str]:
    """The figures found in ``text`` and the internal patterns found in ``words`` (default
    ``text``)."""
    found = [f for f in figures if f in text]
    return found + [p.pattern for p in INTERNAL if p.search(text if words is None else words)]


@pytest.fixture(scope="module")
def canary(hostile_batch):
    assert hostile_batch.exit_status == 0, hostile_batch.log
    folder = hostile_batch.folder / "reports" / HOSTILE_QUARTER
    gp = _canary_gross_profit(hostile_batch.folder / HOSTILE_DATA_FOLDER)
    runs = {r["partner_id"]: r for r in hostile_batch.manifest["notebooks"] if r["partner_id"]}
    return folder, gp, runs


def test_the_canary_is_planted_and_the_brief_shows_it(canary):
    folder, gp, runs = canary
    assert gp == pytest.approx(4_817_293.56, abs=0.005)
    brief = Path(runs[CANARY_PARTNER]["brief"])
    assert brief.parent == folder / "briefs"
    text = brief.read_text(encoding="utf-8")
    assert f"{gp:,.0f}" in text, "the search could not find it"
    assert len(_leaks(text, [], words=_without_library(text))) >= 3  # nor the internal words
    assert f"{gp:.2f}" in _text_of_workbook(brief.with_suffix(".xlsx"))  # nor in a workbook


def test_no_file_under_partners_holds_the_canary_or_an_internal_word(canary):
    folder, gp, runs = canary
    files = sorted(p for p in (folder / "partners").rglob("*") if p.is_file())
    assert {p.suffix for p in files} <= {".html", ".pdf", ".xlsx"}, files
    assert any(p.suffix == ".xlsx" for p in files), "the decks' workbooks are searched too"
    assert {p.stem for p in files if p.suffix == ".html"} == set(runs)
    for path in files:
        if path.suffix == ".pdf":
            text = words = _text_of_pdf(path)
        elif path.suffix == ".xlsx":
            text = words = _text_of_workbook(path)
        else:
            text = path.read_text(encoding="utf-8")
            words = _without_library(text)
        assert _leaks(text, _formats(gp), words=words) == [], path


def test_the_deck_is_titled_with_the_partner_name_and_its_notebook_lives_with_the_brief(canary):
    from html import escape

    from report_fixtures import TINY

    folder, _, runs = canary
    names = duckdb.execute(
        "SELECT partner_id, partner_name FROM read_csv(?, all_varchar=true)",
        [str(TINY / "partners.csv")],
    ).fetchall()
    name = dict(names)[CANARY_PARTNER]
    deck = Path(runs[CANARY_PARTNER]["html"]).read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", deck, re.S).group(1)
    assert escape(name, quote=False) in title and f"<h1>{escape(name)}: " in deck
    assert Path(runs[CANARY_PARTNER]["ipynb"]).parent == folder / "briefs"
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert f'href="briefs/{CANARY_PARTNER}.html"' in index
    # the hostile customer of P2's large won deal is asked about in P2's deck, as text
    from report_fixtures import HOSTILE_NAMES

    p2 = Path(runs["P2"]["html"]).read_text(encoding="utf-8")
    customer = HOSTILE_NAMES[("customers.csv", "C4")]
    assert "win/loss interview" in p2.lower() and customer not in p2
    assert escape(customer, quote=False) in p2 or escape(customer) in p2
    assert f'href="partners/{CANARY_PARTNER}.html"' in index


@pytest.mark.browser
def test_the_deck_pdf_holds_no_canary_and_fits_a4(canary, tmp_path):
    from channel_lib.batch.pdf import print_pages

    _, gp, runs = canary
    pdf = tmp_path / "deck.pdf"
    assert print_pages([(runs[CANARY_PARTNER]["html"], pdf)], paper="A4") == {pdf: None}
    from pypdf import PdfReader

    assert float(PdfReader(pdf).pages[0].mediabox.width) == pytest.approx(595, abs=2)
    text = _text_of_pdf(pdf)
    assert "quarterlybusinessreview" in re.sub(r"\s+", "", text)
    assert _leaks(text, _formats(gp)) == []


def test_the_deck_cells_show_only_the_partner_safe_view():
    """Every cell of notebook 06 in the deck calls the deck's page module on ``deck`` only."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    deck = [c for c in nb.cells if DECK_TAG in c.metadata.get("tags", [])]
    code = [c.source for c in deck if c.cell_type == "code"]
    assert len(code) >= 10
    for source in code:
        assert re.fullmatch(r"deck_page\.\w+\(deck\)", source.strip()), source
    words = " ".join(c.source for c in deck if c.cell_type == "markdown")
    assert _leaks(words, []) == []
    only = [c for c in nb.cells if DECK_ONLY_TAG in c.metadata.get("tags", [])]
    assert all(DECK_TAG in c.metadata["tags"] for c in only)


def test_the_partner_safe_view_holds_no_internal_column(tiny_dir, tmp_path):
    from channel_lib.analysis.partner_deck import PartnerDeck, partner_safe
    from channel_lib.analysis.partner_review import partner_pack
    from channel_lib.data.workbook import open_workbook

    wb = open_workbook(tiny_dir, "FY2026-Q3", plans_dir=tmp_path / "plans")
    pack = partner_pack(wb, "P1")
    deck = partner_safe(wb, pack)
    assert isinstance(deck, PartnerDeck)
    frames = {k: v for k, v in vars(deck).items() if hasattr(v, "columns")}
    columns = " ".join(c for f in frames.values() for c in f.columns)
    assert not re.search(r"gross|margin|action_id|share|owner|evidence", columns), columns
    # P1 is the only gold partner of tiny: fewer than five peers, no quartile
    assert deck.peers == 0 and deck.benchmark[["median"]].isna().all().all()
    assert deck.tier_requirements is None  # tiny's goals.yaml sets no tier rule


def test_pack_notebooks_of_the_batch_are_small_and_keep_their_charts_and_tables(batch_reports):
    packs = [r for r in batch_reports.manifest.get("notebooks", []) if r.get("partner_id")]
    assert packs, batch_reports.log
    for run in packs:
        ipynb = Path(run["ipynb"])
        assert ipynb.parent.name == "briefs" and Path(run["brief"]).exists()
        assert ipynb.stat().st_size <= MAX_NOTEBOOK_BYTES, (ipynb, ipynb.stat().st_size)
        outputs = [o for c in nbformat.read(ipynb, as_version=4).cells
                   for o in c.get("outputs", [])]  # fmt: skip
        html = [str(o.get("data", {}).get("text/html", "")) for o in outputs]
        assert sum(f'class="{CHART_CLASS}"' in h for h in html) >= 3  # brief's and deck's
        assert sum(TABLE_MIME in o.get("data", {}) for o in outputs) >= 5
    manifest = json.dumps(batch_reports.manifest)
    assert "/partners/" in manifest and "/briefs/" in manifest
