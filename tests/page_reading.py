"""What a reader of a page cannot use, found in a real browser (issue 22, point 8).

:func:`reading_problems` takes a page already open in Playwright (1280 px wide) and lists, one
line each: elements wider than the page, visible text under 11 px, table cells reading ``nan``,
``None``, ``True``, ``False`` (or ``<NA>``, ``NaT``), machine paths, markdown escapes, figures
in scientific notation or beyond reading (:func:`unreadable_numbers`), and a missing answer box.
Only what is rendered counts: a collapsed appendix is not read until it is opened.

The same checks run on a deliberately bad page (``tests/fixtures/unreadable_page.html``) to show
each one fails when it should.
"""

from __future__ import annotations

import re
from typing import Any

#: The narrowest page the reports must fit (px) and the smallest text a reader reads (px).
PAGE_WIDTH = 1280
MIN_FONT_PX = 11

#: A number in scientific notation: digits, an optional fraction, ``e`` or ``E``, a signed exponent.
SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+(?!\w)")
#: More than 15 digits in one figure (thousands separators allowed): beyond any real amount.
LONG_FIGURE = re.compile(r"\d(?:[,\u202f]?\d){15,}")
#: An unbounded value as text.
INFINITE = re.compile(r"(?<![\w-])[-+]?(?:inf|infinity|Infinity|∞)(?![\w-])")
#: An absolute path of the machine that ran the report (POSIX or Windows).
MACHINE_PATH = re.compile(
    r"(?<![\w.~/])/(?:tmp|home|root|Users|work|var|private|mnt|opt|srv)/[^\s]*|\b[A-Z]:\\[^\s]+"
)
#: A markdown escape shown to the reader (``signals\_FY2026\-Q4``).
MARKDOWN_ESCAPE = re.compile(r"\\[_\-*#.\[\]()`!+{}|<>]")
#: What a raw cell of a frame reads like when nobody formatted it.
RAW_CELLS = ("nan", "NaN", "None", "True", "False", "<NA>", "NaT", "null", "undefined")

_BROWSER_CHECKS = """({width, minFont, raw}) => {
  const out = [];
  const shown = el => el.checkVisibility({checkVisibilityCSS: true, contentVisibilityAuto: true})
    && !el.closest('details:not([open]) > :not(summary)');
  const label = el => {
    const cap = el.querySelector && el.querySelector(':scope > caption');
    const text = (cap ? cap.textContent : el.textContent || '').trim().slice(0, 60);
    return `<${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string'
      ? '.' + el.className.split(' ')[0] : ''}> "${text}"`;
  };
  // a chart is one box: its thousands of marks are not walked (its text still is, below)
  const boxes = document.body.querySelectorAll('*:not(svg *)');
  const wide = [];
  for (const el of boxes) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && !wide.some(w => w.contains(el))) wide.push(el);
  }
  for (const el of wide.slice(0, 5)) {
    out.push(`wider than the ${width} px page (${Math.round(el.getBoundingClientRect().right)} px): ${label(el)}`);
  }
  if (document.documentElement.scrollWidth > width + 1) {
    out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px)`);
  }
  const small = [];
  for (const el of [...boxes, ...document.body.querySelectorAll('svg text')]) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minFont) small.push(`${size}px "${el.textContent.trim().slice(0, 40)}"`);
  }
  if (small.length) out.push(`text under ${minFont} px (${small.length}): ${small.slice(0, 3).join('; ')}`);
  const cells = [...document.querySelectorAll('td, th')].filter(
    c => shown(c) && raw.includes(c.textContent.trim()));
  if (cells.length) {
    const seen = [...new Set(cells.map(c => c.textContent.trim()))].join(', ');
    out.push(`raw cells (${cells.length}): ${seen} in ${label(cells[0].closest('table'))}`);
  }
  if (!document.querySelector('section.cw-answer li')) out.push('no answer box with findings');
  return out;
}"""


def unreadable_numbers(text: str) -> list[str]:
    """Every figure in ``text`` a reader cannot read: scientific notation, > 15 digits, inf."""
    found = []
    for pattern in (SCIENTIFIC, LONG_FIGURE, INFINITE):
        found += [m.group(0) for m in pattern.finditer(text)]
    return found


def text_problems(text: str) -> list[str]:
    """The problems of a page's visible text: machine paths, markdown escapes, unreadable
    figures (each with its first examples)."""
    found = []
    for what, hits in (
        ("machine path", [m.group(0) for m in MACHINE_PATH.finditer(text)]),
        ("markdown escape", [m.group(0) for m in MARKDOWN_ESCAPE.finditer(text)]),
        ("unreadable number", unreadable_numbers(text)),
    ):
        if hits:
            found.append(f"{what} ({len(hits)}): {', '.join(dict.fromkeys(hits[:5]))}")
    return found


def reading_problems(page: Any) -> list[str]:
    """Everything on an open Playwright ``page`` a reader cannot use (see the module docstring).

    The page should be :data:`PAGE_WIDTH` wide and its charts drawn.
    """
    found = page.evaluate(
        _BROWSER_CHECKS, {"width": PAGE_WIDTH, "minFont": MIN_FONT_PX, "raw": list(RAW_CELLS)}
    )
    return found + text_problems(page.inner_text("body"))
