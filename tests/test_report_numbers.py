"""No report prints a number a reader cannot read (issue 20, acceptance 2): no scientific
notation (``1e-05``, ``3.38e-16``, ``6.68e+72``), no figure of more than 15 digits, no ``inf``.

The detector (:func:`unreadable_numbers`) is checked on strings first, then run over the visible
text of every page of the shared batch (``batch_reports``: no notebook is run here).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

#: A number in scientific notation: digits, an optional fraction, ``e`` or ``E``, a signed exponent.
SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+(?!\w)")
#: More than 15 digits in one figure (thousands separators allowed): beyond any real amount.
LONG_FIGURE = re.compile(r"\d(?:[,\u202f]?\d){15,}")
#: An unbounded value as text.
INFINITE = re.compile(r"(?<![\w-])[-+]?(?:inf|infinity|Infinity|∞)(?![\w-])")


def unreadable_numbers(text: str) -> list[str]:
    """Every figure in ``text`` a reader cannot read: scientific notation, > 15 digits, inf."""
    found = []
    for pattern in (SCIENTIFIC, LONG_FIGURE, INFINITE):
        found += [m.group(0) for m in pattern.finditer(text)]
    return found


def visible_text(path: Path) -> str:
    """A page's text as a reader sees it: scripts, styles and tags removed."""
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    "bad",
    ["interval 1e-05 to 2", "p = 3.38e-16", "up to 6.68e+72 USD", "31,445,454,441,556,123 USD",
     "1234567890123456", "high: inf", "-inf"],
    ids=["1e-05", "3.38e-16", "6.68e+72", "long-with-commas", "16-digits", "inf", "minus-inf"],
)  # fmt: skip
def test_the_detector_finds_an_unreadable_number(bad):
    assert unreadable_numbers(f"A table cell: {bad}.")


@pytest.mark.parametrize(
    "fine",
    [
        "301,333 USD a month",
        "+910K USD (95% interval 612K–1.21M)",
        "p < 0.001",
        "FY2026-Q4",
        "P034 and C00001",
        "0.32 per unit",
        "999,999,999,999,999",
        "information",
        "e.g. 3 e 4",
    ],
)
def test_the_detector_leaves_readable_figures_alone(fine):
    assert unreadable_numbers(fine) == []


def test_no_report_page_prints_an_unreadable_number(batch_reports):
    pages = [Path(r["html"]) for r in batch_reports.manifest.get("notebooks", []) if r.get("html")]
    assert pages, batch_reports.log
    index = batch_reports.html("index")
    bad = {p.name: unreadable_numbers(visible_text(p)) for p in [*pages, index]}
    assert not any(bad.values()), {k: v[:5] for k, v in bad.items() if v}
