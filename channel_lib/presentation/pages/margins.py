"""The sentences every page uses for a channel's growth and for the drivers of its margin change.

Growth (:func:`channel_lib.analysis.growth.revenue_growth`, one definition) is written by one
formatter, :func:`growth_figure`, and shown in a page wrapped in
``<span class="cw-growth" data-entity="MSP">+7.5%</span>`` so that a test (and a reader's tool) can
find every growth figure of a batch and check that one channel has one. A plain-text sentence
carries the figure as a *growth token* (:func:`growth_token`): :func:`sentence_markdown` escapes the
sentence and turns the token into the span; :func:`plain` turns it into the bare figure (for a
table cell or a test).

A margin change is read from :func:`channel_lib.analysis.trends.bridge.margin_drivers`: price and
discount, unit cost and product mix, and the driver named (:func:`margin_driver_sentence`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from channel_lib.analysis.growth import GROWTH_DEFINITION
from channel_lib.analysis.trends.bridge import STABLE_POINTS
from channel_lib.core.figures import plus_zero
from channel_lib.presentation.formats import MISSING
from channel_lib.presentation.text import escape, escape_markdown

__all__ = [
    "GROWTH_CLASS",
    "GROWTH_DEFINITION",
    "channel_growth_sentence",
    "driver_reading",
    "growth_and_drivers_html",
    "growth_figure",
    "growth_span",
    "growth_token",
    "margin_driver_sentence",
    "margin_driver_sentences",
    "margin_drivers_markdown",
    "plain",
    "sentence_html",
    "sentence_markdown",
    "year_growth_words",
]

#: CSS class of the span every growth figure of a page is wrapped in.
GROWTH_CLASS = "cw-growth"

# A growth token in plain text: private-use characters around the entity and the figure (they
# are neither markdown nor HTML specials, so they survive escaping unchanged).
_OPEN, _MID, _CLOSE = "\ue000", "\ue001", "\ue002"
_TOKEN = re.compile(f"{_OPEN}(.*?){_MID}(.*?){_CLOSE}", re.S)
_UNESCAPE = re.compile(r"\\(.)")


def growth_figure(value: float | None) -> str:
    """A growth (fraction) as the reports write it: signed, one decimal, ``–`` when missing.

    Examples
    --------
    >>> growth_figure(0.07549), growth_figure(-0.0004), growth_figure(float("nan"))
    ('+7.5%', '+0.0%', '–')
    """
    if value is None or pd.isna(value):
        return MISSING
    return plus_zero(f"{float(value):+.1%}")


def growth_span(entity: str, value: float | None) -> str:
    """The growth figure as HTML, wrapped in the span the batch test finds (values escaped).

    Examples
    --------
    >>> growth_span("MSP", 0.0754)
    '<span class="cw-growth" data-entity="MSP">+7.5%</span>'
    """
    return (
        f'<span class="{GROWTH_CLASS}" data-entity="{escape(entity)}">'
        f"{escape(growth_figure(value))}</span>"
    )


def growth_token(entity: str, value: float | None) -> str:
    """The growth figure inside a plain-text sentence (see :func:`sentence_markdown`).

    Examples
    --------
    >>> plain(f"MSP grew {growth_token('MSP', 0.0754)}")
    'MSP grew +7.5%'
    """
    return f"{_OPEN}{entity}{_MID}{growth_figure(value)}{_CLOSE}"


def plain(text: str) -> str:
    """A sentence with its growth tokens written as bare figures (plain text, not escaped)."""
    return _TOKEN.sub(lambda m: m.group(2), text)


def sentence_markdown(text: str) -> str:
    """A plain sentence escaped for markdown, its growth tokens turned into growth spans.

    Examples
    --------
    >>> sentence_markdown(f"A_1 grew {growth_token('A_1', 0.1)}.")
    'A\\\\_1 grew <span class="cw-growth" data-entity="A_1">+10.0%</span>\\\\.'
    """
    escaped = escape_markdown(text)

    def span(m: re.Match) -> str:
        entity, figure = (_UNESCAPE.sub(r"\1", g) for g in m.groups())  # markdown escapes only
        return f'<span class="{GROWTH_CLASS}" data-entity="{entity}">{figure}</span>'

    return _TOKEN.sub(span, escaped)


def sentence_html(text: str):
    """A plain sentence escaped for HTML, its growth tokens turned into growth spans (a
    ``markupsafe.Markup`` the answer box keeps as it is).

    Examples
    --------
    >>> str(sentence_html(f"A<1> grew {growth_token('A', 0.1)}."))
    'A&lt;1&gt; grew <span class="cw-growth" data-entity="A">+10.0%</span>.'
    """
    from markupsafe import Markup  # deferred: only pages with an answer box need it

    parts, last = [], 0
    for m in _TOKEN.finditer(text):
        entity, figure = m.groups()
        parts.append(escape(text[last : m.start()]))
        parts.append(
            f'<span class="{GROWTH_CLASS}" data-entity="{escape(entity)}">{escape(figure)}</span>'
        )
        last = m.end()
    parts.append(escape(text[last:]))
    return Markup("".join(parts))


def channel_growth_sentence(row: pd.Series | Mapping, name: str | None = None) -> str:
    """One channel's growth in words, with a growth token (``row``: a
    :func:`~channel_lib.analysis.growth.revenue_growth` row).

    Examples
    --------
    >>> row = {"channel_id": "MSP", "growth": 0.0754, "first_quarter": "FY2026-Q1",
    ...        "quarter": "FY2026-Q4"}
    >>> plain(channel_growth_sentence(row, "Managed-service partners"))
    'Managed-service partners (MSP) revenue grew +7.5% (FY2026-Q1 to FY2026-Q4 against the four quarters before).'
    """
    ch = str(row["channel_id"])
    who = f"{name} ({ch})" if name else ch
    value = row["growth"]
    span = f"({row['first_quarter']} to {row['quarter']} against the four quarters before)"
    if pd.isna(value):
        return (
            f"{who} has no growth figure {span}: it did not sell in each of the earlier quarters."
        )
    verb = "grew" if value >= 0 else "fell"
    return f"{who} revenue {verb} {growth_token(ch, value)} {span}."


# -- the margin drivers -----------------------------------------------------------------------------
def _points(value: float) -> str:
    """Signed percentage points, one decimal, with a true minus sign (``−5.9``)."""
    return plus_zero(f"{value:+.1f}").replace("-", "−")


_PRICE = ("prices rose", "prices held", "prices fell (deeper discounts)")
_COST = ("its unit cost fell", "unit cost held", "its unit cost rose")
_MIX = ("the product mix moved to higher-margin products", "the product mix held",
        "the product mix moved to lower-margin products")  # fmt: skip


def _clause(words: tuple[str, str, str], points: float) -> str:
    if abs(points) < STABLE_POINTS:
        return f"{words[1]} ({_points(points)})"
    return f"{words[0] if points > 0 else words[2]} ({_points(points)} points)"


def margin_driver_sentence(row: pd.Series | Mapping, name: str | None = None) -> str:
    """A channel's margin change and its driver in one sentence (``row``: a
    :func:`~channel_lib.analysis.trends.bridge.margin_drivers` row).

    The driver's clause comes first, then the others; a unit-cost effect is never read as
    "revenue bought with margin" and a stable margin claims no driver.

    Examples
    --------
    >>> row = {"channel_id": "MSP", "margin_base": 0.590, "margin_current": 0.519,
    ...        "change_points": -7.1, "price_discount_points": 0.1, "unit_cost_points": -5.9,
    ...        "mix_points": -1.3, "driver": "unit_cost"}
    >>> margin_driver_sentence(row)
    "MSP's gross margin fell 7.1 points, from 59.0% to 51.9%: its unit cost rose (−5.9 points); prices held (+0.1); the product mix moved to lower-margin products (−1.3 points)."
    >>> margin_driver_sentence({**row, "change_points": 0.2, "margin_current": 0.592,
    ...                         "driver": "stable"})
    "MSP's gross margin held (+0.2 points, from 59.0% to 59.2%): no driver is claimed."
    """
    ch = str(row["channel_id"])
    who = f"{name} ({ch}): gross margin" if name else f"{ch}'s gross margin"
    change = float(row["change_points"])
    frm, to = f"{row['margin_base']:.1%}", f"{row['margin_current']:.1%}"
    if row["driver"] == "stable":
        return f"{who} held ({_points(change)} points, from {frm} to {to}): no driver is claimed."
    verb = "rose" if change > 0 else "fell"
    return f"{who} {verb} {abs(change):.1f} points, from {frm} to {to}: {driver_reading(row)}."


def driver_reading(row: pd.Series | Mapping) -> str:
    """What moved a channel's margin, driver first (``row``: ``driver`` and the three
    ``*_points`` of :func:`~channel_lib.analysis.trends.bridge.margin_drivers`).

    Examples
    --------
    >>> driver_reading({"driver": "several", "price_discount_points": -1.0,
    ...                 "unit_cost_points": -0.9, "mix_points": -0.8})
    'no single driver: prices fell (deeper discounts) (−1.0 points); its unit cost rose (−0.9 points); the product mix moved to lower-margin products (−0.8 points)'
    """
    clauses = {
        "price_discount": _clause(_PRICE, float(row["price_discount_points"])),
        "unit_cost": _clause(_COST, float(row["unit_cost_points"])),
        "mix": _clause(_MIX, float(row["mix_points"])),
    }
    driver = str(row["driver"])
    if driver in clauses:
        return "; ".join(clauses[k] for k in [driver, *(k for k in clauses if k != driver)])
    return "no single driver: " + "; ".join(clauses.values())


def year_growth_words(settings_quarters, row: pd.Series | Mapping, entity: str, ytd: float) -> str:
    """``"grew revenue +7.5% (FY2026-Q1 to FY2026-Q4 against the four quarters before)"`` with a
    growth token when the window is a full fiscal year (there the year's change is the growth);
    for a part of the year, the change named as what it is, without the word growth.

    Parameters
    ----------
    settings_quarters : sequence of str
        The window's quarters (``Settings.quarters``).
    row : Series or mapping
        ``growth``, ``growth_first_quarter``, ``growth_quarter`` (a channel of
        :func:`~channel_lib.analysis.alignment.channel_actuals`).
    entity : str
        The channel id (the token's entity).
    ytd : float
        The window's revenue change against the same quarters a year before (fraction).

    Examples
    --------
    >>> row = {"growth": 0.0754, "growth_first_quarter": "FY2026-Q1", "growth_quarter": "FY2026-Q4"}
    >>> plain(year_growth_words(["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"], row, "MSP", 0.0754))
    'grew revenue +7.5% (FY2026-Q1 to FY2026-Q4 against the four quarters before)'
    >>> year_growth_words(["FY2026-Q1", "FY2026-Q2"], row, "MSP", 0.031)
    'had revenue +3.1% in FY2026-Q1 to FY2026-Q2 against the same quarters a year before'
    """
    quarters = list(settings_quarters)
    if len(quarters) == 4 and not pd.isna(row["growth"]):
        verb = "grew revenue" if row["growth"] >= 0 else "had revenue"
        return (
            f"{verb} {growth_token(entity, row['growth'])} ({row['growth_first_quarter']} "
            f"to {row['growth_quarter']} against the four quarters before)"
        )
    return (
        f"had revenue {growth_figure(ytd)} in {quarters[0]} to {quarters[-1]} against the same "
        "quarters a year before"
    )


def margin_driver_sentences(
    drivers: pd.DataFrame, names: Mapping[str, str] | None = None, *, stable: bool = False
) -> list[str]:
    """:func:`margin_driver_sentence` for every channel of ``drivers`` (plain text), largest
    change first; ``stable=False`` leaves the stable channels out."""
    names = names or {}
    rows = drivers if stable else drivers[drivers["driver"] != "stable"]
    rows = rows.reindex(rows["change_points"].abs().sort_values(ascending=False).index)
    return [margin_driver_sentence(r, names.get(str(r["channel_id"]))) for _, r in rows.iterrows()]


def margin_drivers_markdown(drivers: pd.DataFrame, names: Mapping[str, str] | None = None):
    """The margin drivers of every channel as an escaped markdown list, for the bridge section
    of notebook 04 (``drivers``: :func:`~channel_lib.analysis.trends.bridge.margin_drivers`).

    Examples
    --------
    >>> d = pd.DataFrame({"channel_id": ["A"], "margin_base": [0.5], "margin_current": [0.45],
    ...                   "change_points": [-5.0], "price_discount_points": [-4.0],
    ...                   "unit_cost_points": [-0.5], "mix_points": [-0.5],
    ...                   "driver": ["price_discount"]})
    >>> d.attrs.update(base=["FY2025-Q4"], current=["FY2026-Q4"], volume="list_value")
    >>> margin_driver_sentences(d)
    ["A's gross margin fell 5.0 points, from 50.0% to 45.0%: prices fell (deeper discounts) (−4.0 points); its unit cost rose (−0.5 points); the product mix moved to lower-margin products (−0.5 points)."]
    >>> margin_drivers_markdown(d).data.startswith("Gross margin FY2026")
    True
    """
    from IPython.display import Markdown

    lines = [driver_heading(drivers)]
    sentences = margin_driver_sentences(drivers, names, stable=True)
    lines.append(
        "\n".join(f"- {escape_markdown(t)}" for t in sentences) or "- No channel to compare."
    )
    return Markdown("\n\n".join(lines))


def _span(quarters: list[str]) -> str:
    return quarters[0] if len(quarters) == 1 else f"{quarters[0]}–{quarters[-1]}"


def driver_heading(drivers: pd.DataFrame) -> str:
    """What the margin drivers compare and how price and cost are measured (escaped markdown)."""
    base, current = drivers.attrs.get("base", []), drivers.attrs.get("current", [])
    when = f" {_span(current)} against {_span(base)}" if base and current else ""
    if drivers.attrs.get("volume") == "quantity":
        how = ("price is revenue per unit and unit cost is cost per unit (not every product has a "
               "list price, so the discount cannot be read)")  # fmt: skip
    else:
        how = ("price and discount is the realised price against list, unit cost is the cost "
               "against list value")  # fmt: skip
    return escape_markdown(
        f"Gross margin{when}, per channel: {how}, mix is the product mix within the channel "
        "(the three add up to the change)."
    )


def growth_and_drivers_html(
    growth: pd.DataFrame, drivers: pd.DataFrame, names: Mapping[str, str] | None = None
) -> str:
    """The index page's growth line (every channel, growth spans) and its margin-driver line
    (each channel whose margin moved half a point or more), as HTML paragraphs.

    Parameters
    ----------
    growth : DataFrame
        :func:`~channel_lib.analysis.growth.revenue_growth` by channel.
    drivers : DataFrame
        :func:`~channel_lib.analysis.trends.bridge.margin_drivers` of the quarter against the
        same quarter a year before.
    names : mapping, optional
        Channel id → name.

    Examples
    --------
    >>> g = pd.DataFrame({"channel_id": ["A"], "growth": [0.1], "first_quarter": ["FY2026-Q1"],
    ...                   "quarter": ["FY2026-Q4"]})
    >>> d = pd.DataFrame(columns=["channel_id", "change_points", "driver"])
    >>> print(growth_and_drivers_html(g, d))
    <p>Revenue growth, FY2026-Q1 to FY2026-Q4 against the four quarters before: A <span class="cw-growth" data-entity="A">+10.0%</span>.</p>
    <p>Gross margin in the quarter, against the same quarter a year before: every channel within half a point.</p>
    """
    parts = []
    if len(growth):
        first, last = growth["first_quarter"].iloc[0], growth["quarter"].iloc[0]
        figures = ", ".join(
            f"{escape(r.channel_id)} {growth_span(str(r.channel_id), r.growth)}"
            for r in growth.itertuples(index=False)
        )
        parts.append(
            f"<p>Revenue growth, {escape(first)} to {escape(last)} against the four quarters "
            f"before: {figures}.</p>"
        )
    moved = margin_driver_sentences(drivers, names) if len(drivers) else []
    lead = "Gross margin in the quarter, against the same quarter a year before:"
    if moved:
        parts.append(f"<p>{lead} " + " ".join(escape(t) for t in moved) + "</p>")
    else:
        parts.append(f"<p>{lead} every channel within half a point.</p>")
    return "\n".join(parts)
