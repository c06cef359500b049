"""The page of notebook ``01_orientation_alignment``: its charts, tables, captions and sentences.

The numbers come from :mod:`channel_lib.analysis.alignment` (:func:`~channel_lib.analysis.
alignment.build_view` and the frames of its :class:`~channel_lib.analysis.alignment.AlignmentView`);
this module turns them into what the reader sees, for the notebook and for its explorer
(:class:`~channel_lib.interactive.explorers.alignment.AlignmentExplorer`):

- :func:`heading` — the report's opening line (first of all, when the year is not scored, why
  and what to add to ``goals.yaml``; every section that needs goals then says
  :func:`not_scored_sentence`, and the sections that need none still show their analysis);
- :func:`report_table` — the report's tables (:data:`TABLES`), built by :func:`system_table`,
  :func:`scores_table`, :func:`roles_frame`, :func:`history_table` and the others;
- :func:`alignment_heatmap`, :func:`quadrant_chart`, :func:`conflict_chart`,
  :func:`concentration_chart`, :func:`score_history_chart`;
- :func:`finding_sentences` (one function per kind of finding) and :func:`findings_list`;
- :func:`summary_sentences` (one function per finding of the year) and :func:`narrative`.

Sentences are plain text; :func:`narrative` and :func:`findings_list` escape them for markdown.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from channel_lib.analysis.alignment import (
    MANAGING_WORDS,
    AlignmentView,
    Settings,
    conflict_by_channel,
    score_history,
    weights_table,
)
from channel_lib.analysis.alignment.scoring import MARGIN_BASES
from channel_lib.core.errors import ParameterError
from channel_lib.core.figures import compact_money
from channel_lib.data.workbook import Workbook
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box, coverage_line
from channel_lib.presentation.formats import code_label
from channel_lib.presentation.html import escape_markdown, plus_zero
from channel_lib.presentation.pages import margins
from channel_lib.presentation.pages.orientation_plan import (
    evolution_sentences,
    evolution_table,
    mix_sentences,
    plan_sentences,
)

__all__ = [
    "SCORE_FORMATS",
    "TABLES",
    "actual_role",
    "alignment_heatmap",
    "answer",
    "answer_sentences",
    "concentration_chart",
    "concentration_sentence",
    "conflict_chart",
    "conflict_sentences",
    "dependency_sentences",
    "empty_table_sentence",
    "evolution_sentences",
    "evolution_table",
    "finding_sentences",
    "findings_list",
    "findings_summary",
    "fmt_dimension",
    "growth_shortfall_sentence",
    "heading",
    "history_table",
    "managing_for_sentence",
    "margin_erosion_sentence",
    "mix_sentences",
    "narrative",
    "new_channels_sentence",
    "no_conflict_sentence",
    "not_scored_sentence",
    "off_goal_sentence",
    "orientation_summary",
    "plan_sentences",
    "quadrant_chart",
    "report_table",
    "revenue_sentence",
    "role_change_sentences",
    "role_departure_sentence",
    "roles_frame",
    "score_history_chart",
    "score_moves_sentence",
    "scores_sentence",
    "scores_table",
    "summary_sentences",
    "system_table",
    "view_findings",
    "with_text",
]

_MONEY, _SHARE = "{:,.0f}", "{:.1%}"
#: Formats of the score table (the notebook's and the explorer's).
SCORE_FORMATS = {"score": "{:.0f}", "weakest_points_lost": "{:.1f}"}
_CONFLICT_FORMATS = {
    "revenue_at_stake": _MONEY, "first_revenue": _MONEY, "second_revenue": _MONEY,
    "first_discount": _SHARE, "second_discount": _SHARE, "discount_gap": _SHARE,
}  # fmt: skip
_NO_FINDING = "No channel is out of line with the goals of the year."
#: The report tables that need the year's goals (a year not scored says so instead).
_NEED_GOALS = ("system", "weights", "scores", "breakdown", "roles", "plan")


def not_scored_sentence(year: str) -> str:
    """What a section that needs goals says for a year that is not scored (the heading says why
    and what to add to goals.yaml).

    Examples
    --------
    >>> not_scored_sentence("FY2026")
    'Not scored: goals.yaml has no goals for FY2026 or any year before it (see the note at the top).'
    """
    return (
        f"Not scored: goals.yaml has no goals for {year} or any year before it (see the note at "
        "the top)."
    )


# -- figures as the reader reads them ---------------------------------------------------------------
def fmt_dimension(dim: str, value: float) -> str:
    """A dimension's figure as the reader reads it (``+7.5%``, ``-4.7 pts``, ``53.8%``).

    Examples
    --------
    >>> fmt_dimension("revenue_growth", 0.075), fmt_dimension("margin_trend", -0.047)
    ('+7.5%', '-4.7 pts')
    >>> fmt_dimension("gross_margin", 0.538), fmt_dimension("discount", float("nan"))
    ('53.8%', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if dim in ("revenue_growth",):
        return plus_zero(f"{value:+.1%}")
    if dim == "margin_trend":
        return plus_zero(f"{value * 100:+.1f} pts")
    return f"{value:.1%}"


def with_text(breakdown: pd.DataFrame) -> pd.DataFrame:
    """The breakdown with ``actual_text`` and ``goal_text``: each figure as the reader reads it
    (the goal with ``≥`` or ``≤``; the gross margin's with what it is judged on — the role's own
    goal, contribution after cost to serve, or the corporate goal), for the heatmap's tooltips
    and the breakdown table."""
    out = breakdown.copy()
    basis = out["basis"] if "basis" in out.columns else pd.Series("", index=out.index)
    # a margin judged on contribution says so beside its figure (it would read as a gross margin)
    out["actual_text"] = [
        fmt_dimension(d, v) + (f" {b}" if b == MARGIN_BASES[1] else "")
        for d, v, b in zip(out["dimension"], out["actual"], basis.fillna(""), strict=True)
    ]
    out["goal_text"] = [
        ("≥ " if dr == "at_least" else "≤ ") + fmt_dimension(d, v) + (f" ({b})" if b else "")
        for d, v, dr, b in zip(
            out["dimension"], out["goal"], out["direction"], basis.fillna(""), strict=True
        )
    ]
    return out


# -- heading and tables -----------------------------------------------------------------------------
def heading(wb: Workbook, settings: Settings):
    """The report's opening line: quarter, why it was chosen, the year and its window, and what a
    missing ``channel_costs`` file disables; first of all, when the year has no goals of its own,
    whose goals score it, or, when it is not scored, why and what to add to goals.yaml
    (:attr:`~channel_lib.analysis.alignment.Settings.goals_note`)."""
    missing = (
        ""
        if wb.dataset.has("channel_costs")
        else "Cost to serve is not scored (its weight goes to the other dimensions). "
        + wb.dataset.missing_note("channel_costs")
    )
    from IPython.display import HTML  # deferred: only a notebook displays

    first = ""
    if settings.goals_note:
        label = "Goals carried forward." if settings.scored else "Not scored."
        first = f"<p><strong>{label}</strong> {html.escape(settings.goals_note)}</p>"
    view = (
        f"Fiscal year viewed: {settings.year}, quarters {settings.quarters[0]} to "
        f"{settings.quarters[-1]}, compared with the same quarters a year before. {missing}"
    )
    return HTML(first + coverage_line(wb, note=view).data)


def system_table(wb: Workbook, view: AlignmentView) -> pd.DataFrame:
    """:attr:`AlignmentView.system` with its figures written out: ``goal``, ``target``,
    ``actual`` (text) and ``met``."""
    s = view.settings
    cur = wb.dataset.goals.currency
    words = {
        "money": lambda v: f"{v:,.0f} {cur}",
        "plan": lambda v: f"{v:,.0f} {cur}",
        "growth": lambda v: fmt_dimension("revenue_growth", v),
        "margin": lambda v: f"{v:.1%}",
        "mix": lambda v: f"{v:.1%}",
    }
    override = " (parameter override)" if s.managing_for_source == "parameter" else ""
    rows = []
    for goal, measure, target, actual, met in view.system.itertuples(index=False):
        if measure == "managing_for":
            texts = (MANAGING_WORDS[target], MANAGING_WORDS[actual] + override)
        elif measure == "new_customers":
            texts = (f"{target:.1%}", fmt_dimension("new_customers", actual))
        elif measure == "mix":
            texts = (f"{target:.0%}", f"{actual:.1%}")
        else:
            texts = (words[measure](target), words[measure](actual))
        rows.append((goal, *texts, met))
    out = pd.DataFrame(rows, columns=["goal", "target", "actual", "met"])
    out["met"] = view.system["met"].to_numpy()
    out["met"] = out["met"].astype("boolean")
    return out


def actual_role(row) -> str:
    """A channel's actual role in words: its top segment, top product line and new customers."""
    parts = []
    if not np.isnan(row.top_segment_share):
        parts.append(f"{row.top_segment_share:.0%} of revenue from {row.top_segment}")
    if not np.isnan(row.top_product_share):
        parts.append(f"{row.top_product_share:.0%} from {row.top_product_line}")
    if not np.isnan(row.new_customer_share):
        parts.append(f"{row.new_customer_share:.1%} from new customers")
    return "; ".join(parts)


def roles_frame(roles: pd.DataFrame) -> pd.DataFrame:
    """:func:`~channel_lib.analysis.alignment.role_fit` with ``actual_role`` (in words)."""
    out = roles.copy()
    out["actual_role"] = [actual_role(r) for r in roles.itertuples(index=False)]
    return out


def history_table(yearly: pd.DataFrame, hist: pd.DataFrame) -> pd.DataFrame:
    """Channels × fiscal years: each cell the alignment score and the role declared that year.

    Parameters
    ----------
    yearly : DataFrame
        :func:`~channel_lib.analysis.alignment.channel_actuals` of every year, stacked
        (``AlignmentView.yearly``).
    hist : DataFrame
        :func:`~channel_lib.analysis.alignment.alignment_breakdown` of every year, stacked
        (``AlignmentView.history``).

    Returns
    -------
    DataFrame
        ``channel_id`` then one text column per fiscal year, e.g. ``"83 (managed_services)"``;
        ``"–"`` where the channel had no sales that year (a new channel shows as it arrives).
    """
    scores = score_history(hist).set_index(["year", "channel_id"])["score"]
    cells = yearly[["year", "channel_id", "role"]].copy()
    cells["cell"] = [
        f"{scores.get((y, c), float('nan')):.0f} ({r if isinstance(r, str) else 'no role declared'})"
        for y, c, r in zip(cells["year"], cells["channel_id"], cells["role"], strict=True)
    ]
    order = list(dict.fromkeys(yearly.sort_values("year", ascending=False)["channel_id"]))
    table = cells.pivot(index="channel_id", columns="year", values="cell").reindex(order)
    table = table.fillna("–").reset_index()
    table.columns.name = None
    return table


def scores_table(scores: pd.DataFrame, year: str, *, up_to: str | None = None):
    """The score table (escaped HTML), of the year or of the year up to quarter ``up_to``."""
    span = f"{year} up to {up_to}" if up_to else year
    what = "Alignment score" if up_to else "Alignment score per channel"
    return html.table(
        scores, formats=SCORE_FORMATS, caption=f"{what}, {span} (0-100, lowest first)"
    )


def _table_specs(wb: Workbook, view: AlignmentView) -> dict:
    """``name → (frame, formats, caption)`` of every report table but ``scores``."""
    y = view.settings.year
    s = view.settings
    return {
        "system": lambda: (system_table(wb, view), {}, f"Corporate goals of {y} and the channel system"),
        "weights": lambda: (
            weights_table(s), {"weight": _SHARE},
            f"Weights ({s.weights_source}; managed for {MANAGING_WORDS[s.managing_for]}, "
            f"from {s.managing_for_source})",
        ),
        "breakdown": lambda: (
            with_text(view.breakdown)[["channel_id", "label", "actual_text", "goal_text", "score",
                                       "weight", "points_lost"]],
            {"score": "{:.0%}", "weight": _SHARE, "points_lost": "{:.1f}"},
            f"Alignment breakdown, {y}",
        ),
        "roles": lambda: (
            roles_frame(view.roles)[["channel_id", "role", "declared_segments",
                                     "declared_product_lines", "customer_focus", "actual_role",
                                     "segment_share", "product_share", "departure"]],
            {"segment_share": "{:.0%}", "product_share": "{:.0%}"},
            f"Declared and actual roles, {y}",
        ),
        "conflict": lambda: (
            view.conflict, _CONFLICT_FORMATS, f"Customers shared by two channels, {y}"
        ),
        "partner_conflict": lambda: (
            view.partner_conflict, _CONFLICT_FORMATS, f"Customers shared by two partners, {y}",
        ),
        "dependency": lambda: (
            view.dependency.groupby("dimension", sort=False).head(5),
            {"revenue": _MONEY, "share": _SHARE, "previous_share": _SHARE, "threshold": "{:.0%}"},
            f"Largest channels and partners, {y}",
        ),
        "role_changes": lambda: (
            view.role_changes, {}, "Declared roles: changes between the years of goals.yaml",
        ),
        "plan": lambda: (
            view.plan[["source", "metric", "channels", "quarters", "targets", "objective", "gap",
                       "share", "aligned"]].assign(  # words, not True/False
                aligned=lambda f: f["aligned"].map({True: "yes", False: "no"})),
            {"targets": _MONEY, "objective": _MONEY, "gap": _MONEY, "share": _SHARE},
            f"Channel targets of {y} added up against the corporate objective "
            f"(aligned within {s.plan_tolerance:.0%})",
        ),
        "evolution": lambda: (
            evolution_table(view.evolution), {},
            "The channel over time: partner events per quarter (count, revenue)",
        ),
        "evolution_events": lambda: (
            view.evolution[~view.evolution["event"].isin(["recruited", "activated"])][
                ["quarter", "event", "partner_id", "partner_name", "channel_id", "before",
                 "after", "revenue"]
            ],
            {"revenue": _MONEY},
            "Partners that lapsed, left, or moved channel or tier (revenue: the four quarters "
            "before)",
        ),
        "history": lambda: (
            history_table(view.yearly, view.history), {},
            "Alignment score (and declared role) by fiscal year",
        ),
    }  # fmt: skip


#: The tables :func:`report_table` builds.
TABLES = (
    "system", "weights", "scores", "breakdown", "roles", "conflict", "partner_conflict",
    "dependency", "role_changes", "history", "plan", "evolution", "evolution_events",
)  # fmt: skip


def report_table(wb: Workbook, view: AlignmentView, name: str):
    """One of the report's tables as escaped HTML.

    Parameters
    ----------
    wb : Workbook
    view : AlignmentView
    name : {"system", "weights", "scores", "breakdown", "roles", "conflict", "partner_conflict",
            "dependency", "role_changes", "history", "plan", "evolution", "evolution_events"}

    Returns
    -------
    IPython.display.HTML
        The table; a sentence instead of an empty one, and :func:`not_scored_sentence` for a
        table that needs goals when the year is not scored.

    Raises
    ------
    ParameterError
        For a name not in :data:`TABLES`.
    """
    if name not in TABLES:
        raise ParameterError(f"report_table: unknown table {name!r}; one of {', '.join(TABLES)}")
    s = view.settings
    if not s.scored and (name in _NEED_GOALS or (name == "history" and view.history.empty)):
        return html.markdown("{why}", why=not_scored_sentence(s.year))
    if name == "scores":
        return scores_table(view.scores, s.year)
    frame, formats, caption = _table_specs(wb, view)[name]()
    if frame.empty:
        return html.markdown("{why}", why=empty_table_sentence(wb, name, caption))
    return html.table(frame, formats=formats, caption=caption)


def empty_table_sentence(wb: Workbook, name: str, caption: str) -> str:
    """What :func:`report_table` says instead of an empty table ``name`` (captioned ``caption``).

    Examples
    --------
    >>> from channel_lib.data.workbook import open_workbook
    >>> wb = open_workbook("tests/data/tiny", "FY2026-Q3", plans_dir="/tmp/doctest-plans-01")
    >>> empty_table_sentence(wb, "conflict", "Customers shared by two channels, FY2026")
    'Customers shared by two channels, FY2026: none.'
    """
    if name == "partner_conflict" and not wb.dataset.has("partners"):
        return f"{caption}: none. {wb.dataset.missing_note('partners')}"
    if name == "role_changes":
        return "Declared roles: no change between the years of goals.yaml."
    if name == "plan":
        return f"{caption}: no channel target for the year, official or planned."
    if name in ("evolution", "evolution_events") and not wb.dataset.has("partners"):
        return f"{caption}: none. {wb.dataset.missing_note('partners')}"
    return f"{caption}: none."


# -- charts -------------------------------------------------------------------------------------------
def alignment_heatmap(breakdown: pd.DataFrame, *, channel_ids, year: str, up_to: str | None = None):
    """The score by channel and dimension (the year, or the year up to quarter ``up_to``);
    :func:`not_scored_sentence` for a year not scored (``breakdown.attrs["scored"]`` false)."""
    if breakdown.empty and breakdown.attrs.get("scored") is False:
        return html.markdown("{why}", why=not_scored_sentence(year))
    title = (
        f"Alignment with the {year} goals up to {up_to}: score by dimension"
        if up_to
        else f"Alignment with the {year} goals: score by dimension (grey: not measurable)"
    )
    return charts.alignment_heatmap(with_text(breakdown), channel_ids=channel_ids, title=title)


def quadrant_chart(view: AlignmentView, *, channel_ids):
    """Revenue growth against gross-margin change of every channel and year."""
    year = view.settings.year
    title = f"Revenue growth vs gross-margin change, {year}"
    return charts.growth_margin_quadrant(
        view.quadrant, channel_ids=channel_ids, year=year, title=title
    )


def conflict_chart(view: AlignmentView, *, channel_ids):
    """The discounts two channels give the customers they share."""
    year = view.settings.year
    if view.conflict.empty:
        return html.markdown("{why}", why=no_conflict_sentence(list(channel_ids), year))
    title = f"Discount to customers shared by two channels, {year}"
    return charts.conflict_overlap(
        conflict_by_channel(view.conflict), channel_ids=channel_ids, title=title
    )


def no_conflict_sentence(channel_ids: list[str], year: str) -> str:
    """Why there is no channel overlap to chart: one channel, or no customer shared.

    Examples
    --------
    >>> no_conflict_sentence(["DIR"], "FY2026")[:60]
    'One channel (DIR): no customer can buy through two channels,'
    """
    if len(channel_ids) < 2:
        return (
            f"One channel ({', '.join(channel_ids)}): no customer can buy through two channels, "
            f"so there is no channel conflict to measure in {year}."
        )
    return (
        f"No customer bought through two channels in the same quarter of {year}: no channel "
        "conflict to measure."
    )


def concentration_chart(view: AlignmentView):
    """Largest share and HHI of channels and partners by quarter."""
    return charts.concentration_over_time(
        view.concentration, title="Revenue concentration over time"
    )


def score_history_chart(view: AlignmentView, *, channel_ids):
    """Each channel's alignment score by fiscal year (:func:`not_scored_sentence` when no year
    is scored)."""
    if view.history.empty and not view.settings.scored:
        return html.markdown("{why}", why=not_scored_sentence(view.settings.year))
    return charts.line_over_time(
        view.score_history, "score", title="Alignment score by fiscal year",
        value_title="Alignment score (0-100)", channel_ids=channel_ids, period="year",
        period_title="Fiscal year", value_format=".0f",
    )  # fmt: skip


# -- the findings in words --------------------------------------------------------------------------
def margin_erosion_sentence(settings: Settings, finding, actuals: pd.Series, growth, change) -> str:
    """Revenue grew while the gross margin fell, read by the margin's driver (``actuals``: the
    channel's row of :func:`channel_actuals`; the growth carries a growth token, see
    :mod:`~channel_lib.presentation.pages.margins`)."""
    managing = MANAGING_WORDS[settings.managing_for]
    profit = settings.managing_for == "revenue_and_profit"
    verb = f"Managing for {managing}, but" if profit else f"Managing for {managing}:"
    tail = "" if profit else "; in line with a revenue goal, but at the cost of profit"
    name, ch = finding.channel_name, finding.channel_id
    grew = margins.year_growth_words(settings.quarters, actuals, ch, growth)
    reading = (
        f": {margins.driver_reading({**actuals.to_dict(), 'driver': actuals['margin_driver']})}"
        if not pd.isna(actuals.get("margin_driver", pd.NA))
        else ""
    )
    return (
        f"{verb} {name} ({ch}) {grew} while its gross margin fell {-change * 100:.1f} points, "
        f"from {actuals['previous_gross_margin']:.1%} to {actuals['gross_margin']:.1%}"
        f"{reading}{tail}."
    )


def growth_shortfall_sentence(settings: Settings, finding, growth, need, actuals=None) -> str:
    """Growth well below what the year's objective needs (``actuals``: the channel's row, for
    the growth token)."""
    who = f"{finding.channel_name} ({finding.channel_id})"
    if actuals is not None:
        moved = margins.year_growth_words(settings.quarters, actuals, finding.channel_id, growth)
    else:
        moved = f"had revenue {margins.growth_figure(growth)}"
    return f"{who} {moved} where the {settings.year} objective needs {need:+.1%} from the channel system."


def role_departure_sentence(role) -> str:
    """How a channel departs from its declared role (``role``: its :func:`role_fit` row)."""
    r = role
    reasons = []
    if r.segment_departure:
        reasons.append(
            f"only {r.segment_share:.0%} of its revenue comes from its declared segments "
            f"({r.declared_segments}); {r.top_segment_share:.0%} comes from {r.top_segment}"
        )
    if r.product_departure:
        reasons.append(
            f"only {r.product_share:.0%} from its declared product lines "
            f"({r.declared_product_lines}); {r.top_product_share:.0%} from {r.top_product_line}"
        )
    if r.focus_departure:
        reasons.append(
            f"declared for customer {r.customer_focus}, it brings {r.new_customer_share:.1%} of "
            f"its revenue from new customers (established channels: "
            f"{r.company_new_customer_share:.1%})"
        )
    return code_label(
        f"{r.channel_name} ({r.channel_id}) departs from its declared role {r.role}: "
        + "; ".join(reasons)
        + "."
    )


def off_goal_sentence(cell) -> str:
    """A dimension far off its goal (``cell``: its :func:`with_text` breakdown row)."""
    return (
        f"{cell.channel_name} ({cell.channel_id}) is out of line on {cell.label.lower()}: "
        f"{cell.actual_text} against a goal of {cell.goal_text} (score {cell.score:.0%})."
    )


def finding_sentences(
    findings: pd.DataFrame,
    breakdown: pd.DataFrame,
    roles: pd.DataFrame,
    settings: Settings,
    *,
    marked: bool = False,
) -> list[str]:
    """Each finding of :func:`~channel_lib.analysis.alignment.misalignments` in words, in order.

    Parameters
    ----------
    findings, breakdown, roles : DataFrame
        :func:`misalignments`, :func:`alignment_breakdown` and :func:`role_fit` of the year.
    settings : Settings
    marked : bool
        Keep the growth tokens (for :func:`~channel_lib.presentation.pages.margins.
        sentence_markdown`); ``False`` writes them as bare figures.

    Returns
    -------
    list of str
        Plain sentences (not escaped), one per row of ``findings``.
    """
    cells = with_text(breakdown).set_index(["channel_id", "dimension"])
    actuals = breakdown.attrs["actuals"].set_index("channel_id")
    need = breakdown.attrs.get("company", {}).get("required_growth", np.nan)
    by_channel = roles.set_index("channel_id", drop=False)
    out = []
    for f in findings.itertuples(index=False):
        ch = f.channel_id
        if f.kind == "margin_erosion":
            growth = cells.loc[(ch, "revenue_growth"), "actual"]
            change = cells.loc[(ch, "margin_trend"), "actual"]
            out.append(margin_erosion_sentence(settings, f, actuals.loc[ch], growth, change))
        elif f.kind == "growth_shortfall":
            growth = cells.loc[(ch, "revenue_growth"), "actual"]
            out.append(growth_shortfall_sentence(settings, f, growth, need, actuals.loc[ch]))
        elif f.kind == "role_departure":
            out.append(role_departure_sentence(next(by_channel.loc[[ch]].itertuples(index=False))))
        else:
            cell = cells.loc[(ch, f.dimension)]
            out.append(off_goal_sentence(_Cell(ch, f.channel_name, cell)))
    return out if marked else [margins.plain(t) for t in out]


class _Cell:
    """A breakdown row by attribute (``channel_id`` and ``channel_name`` with the cell's figures)."""

    def __init__(self, channel_id: str, channel_name: str, cell: pd.Series) -> None:
        self.channel_id, self.channel_name = channel_id, channel_name
        self.label, self.score = cell["label"], cell["score"]
        self.actual_text, self.goal_text = cell["actual_text"], cell["goal_text"]


def view_findings(view: AlignmentView, *, marked: bool = False) -> pd.DataFrame:
    """:attr:`AlignmentView.findings` with each finding's ``sentence`` (plain text; ``marked``:
    with growth tokens)."""
    out = view.findings.copy()
    out["sentence"] = pd.Series(
        finding_sentences(view.findings, view.breakdown, view.roles, view.settings, marked=marked),
        index=out.index,
        dtype="object",
    )
    return out


def findings_list(view: AlignmentView):
    """The misalignments of the year as an escaped markdown bullet list."""
    from IPython.display import Markdown

    if not view.settings.scored:
        return Markdown(escape_markdown(not_scored_sentence(view.settings.year)))
    if view.findings.empty:
        return Markdown(_NO_FINDING)
    sentences = view_findings(view, marked=True)["sentence"]
    return Markdown("\n".join(f"- {margins.sentence_markdown(t)}" for t in sentences))


# -- orientation against the plan and the channel over time ----------------------------------------
def orientation_summary(wb: Workbook, view: AlignmentView):
    """The report's first findings, as an escaped markdown list: the channel targets against the
    objective (the gap named) and the segments and product lines over- or under-indexed; a
    year not scored says so."""
    from IPython.display import Markdown

    if not view.settings.scored:
        return Markdown(escape_markdown(not_scored_sentence(view.settings.year)))
    lines = plan_sentences(wb, view) or [
        f"No channel target for {view.settings.year}, official or planned."
    ]
    lines += mix_sentences(view) or ["Every segment and product line is within its focus."]
    return Markdown("\n".join(f"- {escape_markdown(t)}" for t in lines))


# -- the year in words ------------------------------------------------------------------------------
def revenue_sentence(wb: Workbook, view: AlignmentView) -> str:
    """Revenue against the objective, its growth and the gross margin against its goal (a year
    not scored: revenue, growth and gross margin alone)."""
    s = view.settings
    cur = wb.dataset.goals.currency
    c = view.actuals.attrs["company"]
    span = f" (year to date, {s.quarters[0]}–{s.quarters[-1]})" if len(s.quarters) < 4 else ""
    grew = _company_growth_words(s, c)
    if not s.scored:
        return (
            f"{s.year}{span}: the channel system sold {compact_money(c['revenue'], cur)}{grew}; gross "
            f"margin {c['gross_margin']:.1%}."
        )
    goals = wb.dataset.goals.years[s.goals_year]
    text = (
        f"{s.year}{span}: the channel system sold {compact_money(c['revenue'], cur)} against the "
        f"{compact_money(goals.revenue_objective, cur)} objective "
        f"({c['revenue'] / goals.revenue_objective:.0%})"
    )
    if not np.isnan(c["revenue_growth"]):
        text += grew
        if not np.isnan(c["required_growth"]):
            text += f" where the objective needed {c['required_growth']:+.1%}"
    return text + (
        f"; gross margin {c['gross_margin']:.1%} against the {goals.gross_margin_goal:.1%} goal."
    )


def _company_growth_words(s: Settings, c: dict) -> str:
    """``"; revenue grew +1.4%"`` (a growth token) for a full fiscal year, where the year against
    the last is the workbook's growth; for part of a year the change named as what it is."""
    if np.isnan(c["revenue_growth"]):
        return ""
    if len(s.quarters) == 4:
        verb = "grew" if c["revenue_growth"] >= 0 else "fell"
        return f"; revenue {verb} {margins.growth_token('company', c['revenue_growth'])}"
    return f"; revenue {margins.growth_figure(c['revenue_growth'])} against the same quarters a year before"


def new_channels_sentence(wb: Workbook, view: AlignmentView) -> str | None:
    """How much of the company's growth the year's new channels brought (``None``: no new one)."""
    c = view.actuals.attrs["company"]
    new = view.actuals[view.actuals["new_channel"]]
    company_growth = c["revenue"] - c["previous_revenue"]
    if not (len(new) and not np.isnan(company_growth) and company_growth > 0):
        return None
    added = float(new["revenue"].sum())
    return (
        f"New channel{'s' if len(new) > 1 else ''} {', '.join(new['channel_id'])} added "
        f"{added:,.0f} {wb.dataset.goals.currency} in {view.settings.year}: "
        f"{added / company_growth:.0%} of the company's revenue growth; the established channels "
        "delivered the rest."
    )


def managing_for_sentence(wb: Workbook, view: AlignmentView) -> str:
    """What the year is managed for, and whether growth came with a lower margin."""
    s = view.settings
    goals = wb.dataset.goals.years[s.goals_year]
    c = view.actuals.attrs["company"]
    text = f"goals.yaml says {s.year} is managed for {MANAGING_WORDS[goals.managing_for]}"
    if s.managing_for_source == "parameter" and s.managing_for != goals.managing_for:
        text += (
            f"; this report scores it as managed for {MANAGING_WORDS[s.managing_for]} "
            "(parameter override)"
        )
    if not np.isnan(c["margin_change"]):
        moved = c["margin_change"] * 100
        if c["revenue_growth"] >= 0 and moved <= -0.5:
            how = "growth came with a lower margin"
        elif c["revenue_growth"] >= 0:
            how = "revenue grew and the margin held"
        else:
            how = "revenue fell"
        figure = (
            margins.growth_token("company", c["revenue_growth"])
            if len(s.quarters) == 4
            else margins.growth_figure(c["revenue_growth"])
        )
        text += f". Revenue moved {figure} and the gross margin {moved:+.1f} points: {how}"
    return text + "."


def scores_sentence(view: AlignmentView) -> str | None:
    """The best and the least aligned channel (``None`` without scores)."""
    s, sc = view.settings, view.scores
    if not len(sc):
        return None
    best, worst = sc.iloc[-1], sc.iloc[0]
    return (
        f"Alignment scores (0–100, weights for {MANAGING_WORDS[s.managing_for]}"
        f"{', set by parameter' if s.weights_source == 'parameter' else ''}): best aligned "
        f"{best['channel_name']} ({best['channel_id']}) at {best['score']:.0f}; least aligned "
        f"{worst['channel_name']} ({worst['channel_id']}) at {worst['score']:.0f}, losing most on "
        f"{str(worst['weakest']).lower()} ({worst['weakest_points_lost']:.0f} points)."
    )


def findings_summary(view: AlignmentView, *, marked: bool = False) -> list[str]:
    """The named findings, then the other dimensions below half in one sentence."""
    findings = view_findings(view, marked=marked)
    named = findings[findings["kind"] != "off_goal"]
    out = list(named["sentence"])
    others = findings[findings["kind"] == "off_goal"]
    if len(others):
        out.append(
            f"{len(others)} more dimension score{'s are' if len(others) > 1 else ' is'} below half: "
            + "; ".join(others["sentence"].str.rstrip("."))
            + "."
        )
    if not len(named) and not len(others):
        out.append(_NO_FINDING)
    return out


def conflict_sentences(wb: Workbook, view: AlignmentView) -> list[str]:
    """Each channel conflict, or that there is none."""
    cur = wb.dataset.goals.currency
    conflicts = view.conflict[view.conflict["conflict"]]
    out = [
        f"Channel conflict: {r.customers} customers bought through both {r.first} and "
        f"{r.second} in the same quarter, {r.revenue_at_stake:,.0f} {cur} of revenue at stake; "
        f"{r.first} gave them a {r.first_discount:.1%} discount, {r.second} "
        f"{r.second_discount:.1%}: {r.discount_gap * 100:.1f} points apart."
        for r in conflicts.itertuples(index=False)
    ]
    if conflicts.empty:
        shared = int(view.conflict["customers"].sum()) if len(view.conflict) else 0
        out.append(
            f"No channel conflict: {shared} customer-pair overlaps, none with 5 or more shared "
            "customers and discounts 5 points apart."
        )
    return out


def dependency_sentences(view: AlignmentView) -> list[str]:
    """Each dependency risk, and the largest partner when no partner is one."""
    dep = view.dependency
    threshold = view.settings.dependency_threshold
    out = []
    for r in dep[dep["dependency"]].itertuples(index=False):
        what = "channel" if r.dimension == "channel_id" else "partner"
        base = "revenue" if what == "channel" else "the revenue sold through partners"
        before = f", {r.previous_share:.1%} a year before" if not np.isnan(r.previous_share) else ""
        out.append(
            f"Dependency risk: {what} {r.entity_name} ({r.entity_id}) carries {r.share:.1%} of {base} "
            f"(threshold {threshold:.0%}){before}."
        )
    partners = dep[dep["dimension"] == "partner_id"]
    if len(partners) and not partners["dependency"].any():
        top = partners.iloc[0]
        out.append(
            f"No partner carries {threshold:.0%} or more of partner revenue; the largest, "
            f"{top['entity_name']} ({top['entity_id']}), has {top['share']:.1%}."
        )
    return out


def concentration_sentence(view: AlignmentView) -> str | None:
    """The largest channel's share of revenue year by year (``None`` with one year)."""
    yearly = view.yearly
    lead = view.dependency[view.dependency["dimension"] == "channel_id"]
    if not (len(lead) and yearly["year"].nunique() > 1):
        return None
    lead_id = lead.iloc[0]["entity_id"]
    path = yearly[yearly["channel_id"] == lead_id].sort_values("year")
    return (
        f"Concentration over the years: {lead_id}, the largest channel in {view.settings.year}, "
        "held "
        + ", ".join(
            f"{v:.1%} of revenue in {y}"
            for y, v in zip(path["year"], path["revenue_share"], strict=True)
        )
        + "."
    )


def role_change_sentences(view: AlignmentView) -> list[str]:
    """New channels, then each channel's role changes, year by year."""
    changes = view.role_changes
    out = [
        f"{r.channel_id} is a new channel in {r.year}, declared as {r.after}."
        for r in changes.itertuples(index=False)
        if r.change == "new channel"
    ]
    role = changes[changes["change"] != "new channel"]
    for (year, ch), g in role.groupby(["year", "channel_id"], sort=True):
        parts = "; ".join(f"{x.change} {x.before} → {x.after}" for x in g.itertuples(index=False))
        tense = "changes" if year > view.settings.year else "changed"
        out.append(f"goals.yaml {tense} {ch}'s declared role in {year}: {parts}.")
    return out


def score_moves_sentence(view: AlignmentView) -> str | None:
    """The channels whose score moved 10 points or more over the years (``None``: none)."""
    hist = view.score_history
    if hist["year"].nunique() <= 1:
        return None
    moves = []
    for ch, g in hist.groupby("channel_id", sort=False):
        g = g.sort_values("year")
        if len(g) > 1 and abs(g["score"].iloc[-1] - g["score"].iloc[0]) >= 10:
            moves.append(
                f"{ch} "
                + " → ".join(f"{v:.0f}" for v in g["score"])
                + f" ({g['year'].iloc[0]}–{g['year'].iloc[-1]})"
            )
    return ("Scores that moved 10 points or more: " + "; ".join(moves) + ".") if moves else None


def summary_sentences(wb: Workbook, view: AlignmentView) -> list[str]:
    """The seed questions answered for the year, in plain sentences (values not escaped).

    The revenue comes first, then the channel targets against the objective
    (:func:`plan_sentences`) and the over- and under-indexed segments and product lines
    (:func:`mix_sentences`); the partner events of the year (:func:`evolution_sentences`) last.
    A year not scored gets its revenue, new channels, :func:`not_scored_sentence` in place of
    the scores and findings, then conflict, dependency and the changes over the years.

    Examples
    --------
    >>> from channel_lib.analysis.alignment import build_view, open_alignment
    >>> wb, s = open_alignment("tests/data/tiny", plans_dir="/tmp/plans")
    >>> summary_sentences(wb, build_view(wb, s))[0][:60]
    'FY2026: the channel system sold 60.4K USD against the 95.0K '
    """
    return [margins.plain(t) for t in _summary(wb, view)]


def _summary(wb: Workbook, view: AlignmentView) -> list[str]:
    """:func:`summary_sentences` with their growth tokens."""
    scored = view.settings.scored
    parts = [
        [revenue_sentence(wb, view)],
        plan_sentences(wb, view),
        mix_sentences(view) if scored else [],
        [new_channels_sentence(wb, view)],
        [managing_for_sentence(wb, view) if scored else not_scored_sentence(view.settings.year)],
        [scores_sentence(view)],
        findings_summary(view, marked=True) if scored else [],
        conflict_sentences(wb, view),
        dependency_sentences(view),
        [concentration_sentence(view)],
        role_change_sentences(view),
        [score_moves_sentence(view)],
        evolution_sentences(wb, view),
    ]
    return [t for part in parts for t in part if t is not None]


def answer_sentences(wb: Workbook, view: AlignmentView) -> list[str]:
    """The answer box (sentences with growth tokens, not escaped): the year's revenue against
    its objective, the channel targets against it, the weakest alignment, the first
    misalignment and the first channel conflict; the full list is :func:`summary_sentences`."""
    scored = view.settings.scored
    parts = [
        [revenue_sentence(wb, view)],
        plan_sentences(wb, view)[:1],
        [scores_sentence(view) if scored else not_scored_sentence(view.settings.year)],
        findings_summary(view, marked=True)[:1] if scored else [],
        conflict_sentences(wb, view)[:1],
    ]
    return [t for part in parts for t in part if t is not None]


def answer(wb: Workbook, view: AlignmentView):
    """:func:`answer_sentences` in the report's answer box."""
    return answer_box([margins.sentence_html(t) for t in answer_sentences(wb, view)])


def narrative(wb: Workbook, view: AlignmentView):
    """:func:`summary_sentences` as a markdown bullet list, every sentence escaped."""
    from IPython.display import Markdown

    return Markdown("\n".join(f"- {margins.sentence_markdown(t)}" for t in _summary(wb, view)))
