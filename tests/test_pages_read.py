"""Every page of the sample batch reads as its reader needs it, in a real browser at 1280 px
(issue 22, point 8): nothing wider than the page, no text under 11 px, no raw ``nan`` / ``True``
cells, no machine paths, no markdown escapes, no unreadable numbers, and an answer box first.

The checker (:mod:`page_reading`) is shown failing on a deliberately bad page
(``tests/fixtures/unreadable_page.html``) with one of each fault, so a pass means something.
The pages are the shared session batch (``batch_reports``): no notebook is run here, and one
browser page visits them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_reading import PAGE_WIDTH, reading_problems, text_problems, unreadable_numbers

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_CHARTS_SETTLED = """() => [...document.querySelectorAll('div.cw-chart')].every(
    d => d.querySelector('svg, canvas') || d.textContent.trim())"""


def _read(browser, path: Path) -> list[str]:
    page = browser.new_page(viewport={"width": PAGE_WIDTH, "height": 800})
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function(_CHARTS_SETTLED, timeout=20_000)
        return reading_problems(page)
    finally:
        page.close()


@pytest.mark.browser
def test_the_checker_finds_each_fault_of_the_bad_page_once(browser):
    found = _read(browser, FIXTURES / "unreadable_page.html")
    joined = "\n".join(found)
    for expected in (
        "wider than the 1280 px page",
        "the page scrolls sideways",
        "text under 11 px (1)",
        "raw cells (2): True, nan",
        "machine path (1): /tmp/run-42/plans/signals.csv",
        "markdown escape (3)",
        "unreadable number (2): 3.38e-16, 31,445,454,441,556,698,630",
        "no answer box with findings",
    ):
        assert expected in joined, (expected, found)
    assert "1e-05" not in joined  # a folded appendix is not read until opened


@pytest.mark.parametrize(
    "fine",
    ["301,333 USD a month", "p < 0.001", "FY2026-Q4", "targets.csv in the plans folder",
     "proposals/targets.csv", "e.g. 3 e 4", "channel-workbook targets approve FY2027 --by NAME",
     "A/B test", "revenue / gross profit"],
)  # fmt: skip
def test_the_text_checks_leave_readable_text_alone(fine):
    assert text_problems(fine) == [] and unreadable_numbers(fine) == []


@pytest.mark.browser
def test_every_page_of_the_batch_reads_at_1280_px(browser, batch_reports):
    runs = batch_reports.manifest.get("notebooks", [])
    pages = [Path(r[k]) for r in runs for k in ("html", "brief") if r.get(k)]
    assert len(pages) >= 8, batch_reports.log  # the company reports, a partner's deck and brief
    found = {p.name: _read(browser, p) for p in [*pages, batch_reports.html("index")]}
    bad = {name: problems for name, problems in found.items() if problems}
    assert not bad, "\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in bad.items())
