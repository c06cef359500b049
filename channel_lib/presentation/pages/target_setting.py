"""The page of notebook ``02_target_setting``: its charts, tables, captions and sentences.

The numbers come from :mod:`channel_lib.analysis.targets` (:func:`~channel_lib.analysis.targets.
set_targets` and its :class:`~channel_lib.analysis.targets.TargetPlan`); this module turns them
into what the reader sees, for the notebook and for its explorer
(:class:`~channel_lib.interactive.explorers.targets.TargetExplorer`):

- :func:`heading`, :func:`objectives` (:func:`objective_sentences`), :func:`potential`
  (:func:`potential_note`);
- :func:`method_chart` and :func:`method_table` (:func:`method_frame`), :func:`waterfall_chart`
  (:func:`waterfall_frame`), :func:`channel_table` (:func:`channel_frame`),
  :func:`phasing_chart`, :func:`partner_table` (:func:`partner_frame`);
- :func:`new_entities` (:func:`explain_new_entities`: one sentence per young channel and new
  partner);
- :func:`indicator_frame`, :func:`indicator_chart`, :func:`indicator_table`;
- :func:`checks_table` and :func:`save_status` (:func:`save_sentence`).

Sentences are plain text; the functions returning markdown escape them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from channel_lib.analysis.targets import (
    METHODS,
    TARGET_MONITORED_IN,
    SaveOutcome,
    TargetPlan,
    TargetSettings,
    indicator_summary,
    new_partners,
    plan_checks,
    young_channels,
)
from channel_lib.analysis.targets import (
    method_table as method_targets,
)
from channel_lib.core.figures import compact_money, plus_zero
from channel_lib.core.money import MoneyUnit
from channel_lib.data.workbook import Workbook
from channel_lib.presentation import charts, html
from channel_lib.presentation.answer import answer_box, coverage_line
from channel_lib.presentation.formats import formatter
from channel_lib.presentation.text import in_plans_folder

__all__ = [
    "MONEY",
    "answer",
    "answer_sentences",
    "channel_frame",
    "channel_table",
    "checks_table",
    "explain_new_entities",
    "heading",
    "indicator_chart",
    "indicator_frame",
    "indicator_table",
    "method_chart",
    "method_frame",
    "method_table",
    "methods_chart",
    "new_entities",
    "new_partner_sentence",
    "new_partners_intro",
    "no_partner_reason",
    "objective_sentences",
    "objectives",
    "partner_frame",
    "partner_table",
    "phasing_chart",
    "potential",
    "potential_note",
    "save_sentence",
    "save_status",
    "waterfall_chart",
    "waterfall_frame",
    "written_money",
    "young_channel_sentence",
]

#: How the report writes an amount of money (whole currency units).
MONEY = "{:,.0f}"


# -- heading and objectives -------------------------------------------------------------------------
def written_money(money: MoneyUnit, exact: int) -> str:
    """An amount the workbook writes (a target), with the currency's minor decimals and
    thousands separators (``"1,234.56"`` for USD, ``"1,235"`` for JPY).

    Examples
    --------
    >>> written_money(MoneyUnit("USD", 4), 12345600), written_money(MoneyUnit("JPY", 4), 12340000)
    ('1,234.56', '1,234')
    """
    return f"{money.amount(exact):,.{money.minor_decimals}f}"


def heading(wb: Workbook, settings: TargetSettings | None = None):
    """The reporting quarter and why it was chosen; with ``settings`` of a year without goals,
    first of all that the targets are a proposal and what it is made of
    (:attr:`~channel_lib.analysis.targets.TargetSettings.goals_note`)."""
    from IPython.display import HTML  # deferred: only a notebook displays

    line = coverage_line(wb).data
    if settings is not None and settings.proposal:
        note = html.escape(settings.goals_note)
        return HTML(f"<p><strong>Proposal, not a plan.</strong> {note}</p>{line}")
    return HTML(line)


def objective_sentences(wb: Workbook, settings: TargetSettings) -> list[str]:
    """What the targets are for and where the objectives come from, in words (not escaped)."""
    cur = wb.dataset.goals.currency
    s = settings
    source = (
        f"proposed from the {s.objective_source}; {s.year} has no goals in goals.yaml"
        if s.proposal and s.objective_source in ("forecast", "run rate")
        else f"from {s.objective_source}"
    )
    out = [
        f"Targets for {s.year} ({s.quarters[0]} – {s.quarters[-1]}), from the history up to "
        f"{wb.quarter}; the basis window is {s.basis_quarters[0]} – {s.basis_quarters[-1]}.",
        f"Revenue objective: {written_money(s.money, s.revenue_objective_exact)} {cur} ({source}).",
    ]
    if s.gross_profit_objective_exact is not None:
        margin_from = f" ({s.goals_year}'s)" if s.proposal and s.goals_year else ""
        out.append(
            f"Managing for revenue and profit (from {s.managing_for_source}): gross-profit "
            f"objective = revenue objective × gross-margin goal{margin_from} "
            f"{s.gross_margin_goal:.1%} = {written_money(s.money, s.gross_profit_objective_exact)}"
            f" {cur}."
        )
    else:
        out.append(f"Managing for revenue (from {s.managing_for_source}): revenue targets only.")
    weights = ", ".join(f"{m} {w:.0%}" for m, w in s.blend_weights.items() if w)
    out.append(
        f"Chosen method: {s.method}" + (f" (blend of {weights})." if s.method == "blend" else ".")
    )
    return out


def answer_sentences(wb: Workbook, plan: TargetPlan) -> list[str]:
    """The answer box (plain sentences, not escaped): the objective and how it is split, the
    channel asked for the largest rise over its run rate, targets outside the trend forecast's
    interval, the partners with targets, and whether this is a plan or a proposal.

    Examples
    --------
    >>> from channel_lib.analysis import targets
    >>> wb, s = targets.open_target_setting("tests/data/tiny", plans_dir="/tmp/doctest-plans-02")
    >>> answer_sentences(wb, targets.set_targets(wb, s))[0][:30]
    'FY2027: a revenue objective of'
    """
    s, cur = plan.settings, wb.dataset.goals.currency
    ch = plan.channels
    gp = (
        f" and {compact_money(s.money.amount(s.gross_profit_objective_exact), cur)} of gross profit"
        if s.gross_profit_objective_exact is not None
        else ""
    )
    out = [
        f"{s.year}: a revenue objective of {compact_money(s.money.amount(s.revenue_objective_exact), cur)}"
        f"{gp}, split over {len(ch)} channel{'s' if len(ch) != 1 else ''} by the {s.method} "
        "method; the channel targets add up to it exactly."
    ]
    rises = ch[ch["growth"].notna()].sort_values("growth", ascending=False)
    if len(rises):
        r = rises.iloc[0]
        out.append(
            f"{r['channel_name']} ({r['channel_id']}) is asked for the largest rise: "
            f"{compact_money(r['revenue_target'], cur)}, {plus_zero(f'{r.growth:+.0%}')} on last "
            f"year's run rate of {compact_money(r['run_rate'], cur)}."
        )
    outside = ch[ch["outside_trend_interval"].astype(bool)]
    if len(outside):
        names = ", ".join(outside["channel_id"].astype(str))
        out.append(
            f"Outside the trend forecast's interval: {names} — a stretch (or a cut) to agree with "
            "the channel before the year starts."
        )
    partners = plan.partners["partner_id"].notna().sum()
    if partners:
        out.append(f"{partners} partners get their own target (the partner table).")
    out.append(
        "What this report saves is a proposal: the reports measure against the official targets "
        f"(or an approved plan) until it is approved: channel-workbook targets approve {s.year} --by NAME."
    )
    return out


def answer(wb: Workbook, plan: TargetPlan):
    """:func:`answer_sentences` in the report's answer box."""
    return answer_box(answer_sentences(wb, plan))


def objectives(wb: Workbook, settings: TargetSettings):
    """:func:`objective_sentences` as one escaped paragraph."""
    return html.markdown("{text}", text=" ".join(objective_sentences(wb, settings)))


def potential_note(wb: Workbook, plan: TargetPlan) -> str:
    """How the potential method was computed, or why it fell back to history (not escaped)."""
    if plan.potential_from_reports:
        return (
            "Potential = each channel's run rate plus the headroom its reporting partners show "
            "(share of wallet they could reach × capability); channels without partner reports "
            "count at their run rate."
        )
    return "The potential method fell back to history: " + wb.dataset.missing_note(
        "partner_reports"
    )


def potential(wb: Workbook, plan: TargetPlan):
    """:func:`potential_note`, escaped."""
    return html.markdown("{note}", note=potential_note(wb, plan))


# -- channel targets --------------------------------------------------------------------------------
def method_chart(wb: Workbook, plan: TargetPlan):
    """Annual revenue target of every channel by every method."""
    return methods_chart(wb, plan.methods, plan.settings.year)


def methods_chart(wb: Workbook, methods: pd.DataFrame, year: str, *, chosen: str | None = None):
    """Annual revenue target by method of ``methods`` (:func:`~channel_lib.analysis.targets.
    allocate_channels` with ``chosen``); the title names the ``chosen`` method when given (the
    explorer's)."""
    title = f"Annual revenue target by method, {year}" + (f" (chosen: {chosen})" if chosen else "")
    return charts.method_comparison(
        methods, channel_ids=wb.channel_ids, currency=wb.dataset.goals.currency, title=title
    )


def method_frame(plan: TargetPlan) -> pd.DataFrame:
    """:func:`~channel_lib.analysis.targets.method_table` with the trend forecast and its
    prediction interval as text (``"1,234 (1,000 – 1,500)"``, ``–`` without a forecast)."""
    wide = method_targets(plan)
    t = plan.trend.set_index("channel_id")
    level = plan.trend.attrs.get("level", 0.9)
    wide[f"trend forecast, {level:.0%} interval"] = [
        "–" if pd.isna(t["forecast"].get(c, np.nan))
        else f"{t.loc[c, 'forecast']:,.0f} ({t.loc[c, 'lower']:,.0f} – {t.loc[c, 'upper']:,.0f})"
        for c in wide["channel_id"]
    ]  # fmt: skip
    return wide


def method_table(plan: TargetPlan):
    """:func:`method_frame` as the report's table."""
    return html.table(
        method_frame(plan), caption="Annual revenue target per channel by method",
        formats=dict.fromkeys(METHODS, MONEY),
    )  # fmt: skip


def waterfall_frame(plan: TargetPlan) -> pd.DataFrame:
    """The bridge from the basis (each channel's run rate) to the objective, step by step.

    Returns
    -------
    DataFrame
        One row per bar, in order: ``step`` (label), ``order`` (int), ``kind`` (``"total"`` or
        ``"channel"``), ``channel_id`` (missing for totals), ``start``, ``end`` (currency: the
        bar spans them), ``amount`` (``end − start``). The first bar is the basis total, then
        one bar per channel (its target minus its run rate), then the objective; the bars add
        up exactly to the objective.
    """
    ch = plan.channels
    base = float(ch["run_rate"].sum())
    rows = [{"step": "Basis (run rate, last 4 quarters)", "kind": "total", "channel_id": pd.NA,
             "start": 0.0, "end": base}]  # fmt: skip
    level = base
    for c, name, target, rr in ch[["channel_id", "channel_name", "revenue_target", "run_rate"]].itertuples(index=False):  # fmt: skip
        rows.append({"step": f"{name} ({c})", "kind": "channel", "channel_id": c,
                     "start": level, "end": level + float(target) - float(rr)})  # fmt: skip
        level += float(target) - float(rr)
    objective = plan.settings.money.amount(plan.settings.revenue_objective_exact)
    rows.append({"step": f"{plan.settings.year} revenue objective", "kind": "total",
                 "channel_id": pd.NA, "start": 0.0, "end": objective})  # fmt: skip
    out = pd.DataFrame(rows)
    out["order"] = np.arange(len(out))
    out["amount"] = out["end"] - out["start"]
    out["channel_id"] = out["channel_id"].astype("string")
    return out


def waterfall_chart(wb: Workbook, plan: TargetPlan):
    """The bridge from the run rate to the objective."""
    return charts.objective_waterfall(
        waterfall_frame(plan), channel_ids=wb.channel_ids, currency=wb.dataset.goals.currency,
        title=f"From run rate to the {plan.settings.year} objective",
    )  # fmt: skip


def channel_frame(plan: TargetPlan) -> pd.DataFrame:
    """Annual channel targets with their quarters and partner coverage, for display."""
    ch = plan.channels.copy()
    q = plan.quarters.pivot(index="channel_id", columns="quarter", values="revenue_target")
    out = ch[["channel_id", "channel_name", "role", "run_rate", "revenue_target", "growth",
              "gross_profit_target", "outside_trend_interval"]].merge(
        q, left_on="channel_id", right_index=True)  # fmt: skip
    n = plan.partners[plan.partners["partner_id"].notna()].groupby("channel_id").size()
    out["partners_with_targets"] = out["channel_id"].map(n).fillna(0).astype("int64")
    out["target_monitored_in"] = TARGET_MONITORED_IN
    # words, not a boolean: where the target sits against the trend forecast's interval
    out["trend_forecast"] = np.where(
        out.pop("outside_trend_interval").astype(bool), "outside its interval", "within"
    )
    if out["gross_profit_target"].isna().all():  # managed for revenue: no gross-profit targets
        out = out.drop(columns="gross_profit_target")
    return out


#: The columns the channel target table shows on the page (the rest are in the Excel workbook).
CHANNEL_TABLE_SHOWN = ["channel_name", "role", "run_rate", "revenue_target", "growth",
                       "gross_profit_target", "partners_with_targets", "trend_forecast"]  # fmt: skip
#: The columns the channel metrics model shows on the page (the rest are in the Excel workbook).
INDICATOR_TABLE_SHOWN = ["channel_id", "label", "baseline", "target_per_quarter",
                         "quarter_targets", "change", "note"]  # fmt: skip


def channel_table(plan: TargetPlan):
    """:func:`channel_frame` as the report's table."""
    s = plan.settings
    frame = channel_frame(plan)
    formats = {"run_rate": MONEY, "revenue_target": MONEY, "growth": "{:+.1%}",
               "gross_profit_target": MONEY, **dict.fromkeys(s.quarters, MONEY)}  # fmt: skip
    shown = [c for c in CHANNEL_TABLE_SHOWN if c in frame.columns]
    return html.table(
        frame,
        caption=f"Chosen channel targets ({s.method}), {plan.settings.money.currency} a year; "
        "the quarters are in the phasing chart",
        formats={c: f for c, f in formats.items() if c in frame.columns},
        shown=shown,
    )


def phasing_chart(wb: Workbook, plan: TargetPlan):
    """The quarterly revenue targets of every channel."""
    return charts.quarterly_phasing(
        plan.quarters, channel_ids=wb.channel_ids, currency=wb.dataset.goals.currency,
        title=f"Quarterly revenue targets, {plan.settings.year}",
    )  # fmt: skip


# -- partners and new entities ----------------------------------------------------------------------
def no_partner_reason(wb: Workbook, plan: TargetPlan) -> str | None:
    """Why the plan has no partner targets, in words (not escaped); ``None`` when it has some.

    Examples
    --------
    >>> from channel_lib.analysis import targets
    >>> wb, s = targets.open_target_setting("tests/data/tiny", "FY2025-Q4", "/tmp/cw-doctest-plans")
    >>> no_partner_reason(wb, targets.set_targets(wb, s)) is None
    True
    """
    p = plan.partners
    if p["partner_id"].notna().any():
        return None
    channels = ", ".join(plan.settings.channels)
    if not wb.dataset.has("partners"):
        return (
            "No partner targets: the dataset has no partners.csv, so every channel's target "
            f"({channels}) is its own, with no partner to split it over. Add a partners.csv "
            "(see the data contract in the README) to split channel targets over partners."
        )
    return (
        f"No partner targets: no partner of the target channels ({channels}) is active at the "
        f"start of {plan.settings.year}, so each channel keeps its whole target."
    )


def partner_frame(plan: TargetPlan, *, top: int = 25) -> pd.DataFrame:
    """The ``top`` partners by revenue target plus every new partner, for display (empty, with
    the same columns, when the plan has no partner: :func:`no_partner_reason` says why)."""
    p = plan.partners[plan.partners["partner_id"].notna()].copy()
    p["last_year"] = plan.settings.money.amount(p["last_year_exact"])
    new = (p["basis"] == "new partner") | (p["momentum"] == "new partner")
    # a partner signed inside the window has no full last year: no change against it (its
    # partial year would read as +400%); the cap exempts it, and the rule sentences say so
    p.loc[new, "change"] = np.nan
    shown = pd.concat([p.nlargest(top, "revenue_target"), p[new]])
    shown = shown.drop_duplicates("partner_id")
    return shown[["channel_id", "partner_id", "partner_name", "basis", "momentum", "run_rate",
                  "potential", "last_year", "revenue_target", "change", "bound",
                  "gross_profit_target"]].reset_index(drop=True)  # fmt: skip


def partner_rule_sentences(plan: TargetPlan) -> list[str]:
    """How the partner targets follow each partner, in sentences (not escaped): the cap, the
    partners it exempts, the unallocated lines and the channels outside their trend interval.

    Examples
    --------
    >>> from channel_lib.analysis import targets
    >>> wb, s = targets.open_target_setting("tests/data/tiny", "FY2025-Q4", "/tmp/cw-doctest-plans")
    >>> partner_rule_sentences(targets.set_targets(wb, s))[0][:39]
    "Each partner's base is its own run rate"
    """
    s, p, money = plan.settings, plan.partners, plan.settings.money
    out = [
        "Each partner's base is its own run rate over the basis window, net of the customers "
        "it lost or saw move to another partner and plus those that moved to it, with at most "
        "+10% for headroom (share of wallet); the channel's growth moves every partner alike. "
        f"A partner's change against its last year is capped at ±{s.partner_cap:.0%}; one that "
        "fell 10% or more gets no rise above its channel's, one that grew 10% or more at least "
        "95% of its last year."
    ]
    new = p[(p["line"] == "partner") & (p["momentum"] == "new partner")]
    if len(new):
        out.append(
            f"{len(new)} new partner(s) signed inside the basis window ("
            f"{', '.join(new['partner_id'].astype(str).head(8))}) have no last year to cap "
            "against: they are exempt from the cap."
        )
    moved = p[(p["line"] == "partner") & (p["customers_note"] != "")]
    for r in moved[moved["moved_in_exact"] + moved["moved_away_exact"] > 0].itertuples():
        out.append(f"{r.partner_id}: {r.customers_note} (its base counts the move).")
    for r in p[(p["line"] == "unallocated") & (p["revenue_target_exact"] != 0)].itertuples():
        what = "more than its partners' caps allow" if r.revenue_target_exact > 0 else "less"
        out.append(
            f"{r.channel_id}: {money.format_minor(int(r.revenue_target_exact))} "
            f"{money.currency} of its target is unallocated — the channel's target asks "
            f"{what} — so its lines still sum to its target to the cent."
        )
    outside = plan.channels[plan.channels["outside_trend_interval"]]
    if len(outside):
        out.append(
            "Outside the trend forecast's prediction interval (flagged): "
            f"{', '.join(outside['channel_id'].astype(str))}."
        )
    return out


def partner_rules(plan: TargetPlan):
    """:func:`partner_rule_sentences` as the report's markdown, one paragraph each (escaped)."""
    lines = partner_rule_sentences(plan)
    template = "\n\n".join(f"{{s{i}}}" for i in range(len(lines)))
    return html.markdown(template, **{f"s{i}": line for i, line in enumerate(lines)})


def partner_table(plan: TargetPlan, wb: Workbook | None = None):
    """:func:`partner_frame` as the report's table, or with ``wb`` and no partner targets, the
    sentence saying why (:func:`no_partner_reason`)."""
    reason = no_partner_reason(wb, plan) if wb is not None else None
    if reason is not None:
        return html.markdown("{reason}", reason=reason)
    patterns = {"run_rate": MONEY, "potential": MONEY, "revenue_target": MONEY,
                "last_year": MONEY, "change": "{:+.1%}", "gross_profit_target": MONEY}  # fmt: skip
    return html.table(
        partner_frame(plan),
        caption="Largest partner targets, and every new partner (a new "
        "partner has no full last year: no change is shown, and no cap applies)",
        formats={c: formatter(f) for c, f in patterns.items()},  # a missing value reads "–"
    )


def young_channel_sentence(wb: Workbook, row) -> str:
    """How a young channel got its target (``row``: its
    :func:`~channel_lib.analysis.targets.young_channels` row)."""
    cur = wb.dataset.goals.currency
    launched = "" if pd.isna(row.launched_on) else f" (launched {row.launched_on:%Y-%m-%d})"
    return (
        f"Channel {row.channel_name}{launched} has {row.quarters_with_sales} quarters of sales "
        f"up to {wb.quarter}: "
        f"its basis is {row.note} = {row.run_rate:,.0f} {cur} a year; the trend "
        + (
            f"method fits '{row.model}' on {row.points} quarters; "
            if row.model != "too little history"
            else f"method has too little history ({row.points} full quarters) and uses the run "
            "rate; "
        )
        + "its quarterly phasing follows "
        f"{'its own' if row.season_source == 'channel' else 'the company'} seasonality. Target: "
        f"{row.revenue_target:,.0f} {cur}."
    )


def new_partners_intro(count: int, shown: int) -> str:
    """Introduces the latest ``shown`` of ``count`` partners onboarded inside the basis window."""
    return (
        f"{count} partners were onboarded inside the basis window; their "
        f"sales are annualised over the days since onboarding. The latest {shown}:"
    )


def new_partner_sentence(wb: Workbook, row) -> str:
    """How a new partner got its target (``row``: its
    :func:`~channel_lib.analysis.targets.new_partners` row)."""
    sold = (
        f"its sales since then are annualised to a run rate of {row.run_rate:,.0f}"
        if row.run_rate > 0
        else "no sales yet, so it starts at its channel's lower-quartile partner weight"
    )
    return (
        f"Partner {row.partner_name} ({row.partner_id}, {row.channel_id}) was onboarded on "
        f"{row.onboarded_on:%Y-%m-%d}: {sold}"
        + (f", its reported capacity gives a potential of {row.potential:,.0f}"
           if pd.notna(row.potential) else "")
        + f" ({row.basis}); target {row.revenue_target:,.0f} {wb.dataset.goals.currency}."
    )  # fmt: skip


def explain_new_entities(wb: Workbook, plan: TargetPlan, *, max_partners: int = 5) -> list[str]:
    """Sentences on how young channels and newly onboarded partners got their targets.

    A channel is young when it launched after the data begin, has fewer than eight quarters of
    sales or sold only part of the basis window; a partner is new when it was onboarded inside
    the basis window (at most ``max_partners`` of them are described, the latest by id).

    Returns
    -------
    list of str
        Plain sentences (not escaped): basis, trend model and seasonality of each young channel;
        run rate, potential and target of each new partner.
    """
    out = [young_channel_sentence(wb, r) for r in young_channels(plan, wb).itertuples(index=False)]
    recent = new_partners(plan, wb)
    shown = recent.tail(max_partners)
    if len(recent) > len(shown):
        out.append(new_partners_intro(len(recent), len(shown)))
    out += [new_partner_sentence(wb, r) for r in shown.itertuples(index=False)]
    if not out:
        out.append("Every channel and partner has a full year of history in the basis window.")
    return out


def new_entities(wb: Workbook, plan: TargetPlan):
    """:func:`explain_new_entities` as one escaped paragraph."""
    return html.markdown("{text}", text=" ".join(explain_new_entities(wb, plan)))


# -- the channel metrics model ----------------------------------------------------------------------
def indicator_frame(plan: TargetPlan) -> pd.DataFrame:
    """:func:`~channel_lib.analysis.targets.indicator_summary` with ``quarter_targets``: the four
    quarters' targets as text (``"12 / 14 / 13 / 15"``, ``–`` when not measured)."""
    out = indicator_summary(plan)
    texts = {
        key: " / ".join(MONEY.format(v) for v in g["target"])
        if bool(g["available"].iloc[0])
        else "–"
        for key, g in plan.indicators.groupby(["channel_id", "indicator"], sort=False)
    }
    if len(out):
        position = list(out.columns).index("target_per_quarter") + 1
        out.insert(
            position,
            "quarter_targets",
            [texts[k] for k in zip(out["channel_id"], out["indicator"], strict=True)],
        )
    return out


def indicator_chart(model: pd.DataFrame, *, channel_ids):
    """Each indicator's target against its baseline (``model``: :func:`indicator_frame`)."""
    return charts.indicator_model(
        model, channel_ids=channel_ids, title="Leading indicators: target vs last four quarters"
    )


def indicator_table(model: pd.DataFrame):
    """The channel metrics model as the report's table (``model``: :func:`indicator_frame`)."""
    shown = [c for c in INDICATOR_TABLE_SHOWN if c in model.columns]
    return html.table(
        model, caption="Channel metrics model: each leading indicator's target per quarter",
        formats={"revenue_target": MONEY, "baseline": "{:,.1f}", "target_per_quarter": "{:,.1f}",
                 "change": "{:+.0%}"}, shown=shown,
    )  # fmt: skip


# -- checks and the plans folder --------------------------------------------------------------------
def checks_table(plan: TargetPlan):
    """The guarantees checked on the plan."""
    return html.table(plan_checks(plan), caption="Guarantees")


def save_sentence(outcome: SaveOutcome) -> str:
    """What :func:`~channel_lib.analysis.targets.save_plan` did, in one sentence (not escaped)."""
    path, year = in_plans_folder(outcome.path), outcome.year
    if outcome.proposal:
        return _proposal_save_sentence(outcome)
    if outcome.status == "not_written":
        return (
            f"Not written (write_plan=False): the {year} targets above are a proposal only; "
            f"{path} is unchanged."
        )
    if outcome.status == "kept":
        return (
            f"Kept the existing plan: {path} already holds targets for {year}, so this run wrote "
            "nothing (the targets above are a proposal). Run again with overwrite=True to replace "
            f"the {year} targets with these."
        )
    verb = "Replaced" if outcome.status == "replaced" else "Wrote"
    return (
        f"{verb} {outcome.rows:,} {year} targets ({', '.join(outcome.metrics)}; channel and "
        f"partner, by quarter) in {path} as a proposal: reports show them beside the official "
        f"targets and keep measuring attainment on those until the plan is approved "
        f"(channel-workbook targets approve {year} --by NAME --plans PLANS_FOLDER)."
    )


def _proposal_save_sentence(outcome: SaveOutcome) -> str:
    """:func:`save_sentence` for a proposal (a year without goals)."""
    path, year = in_plans_folder(outcome.path), outcome.year
    apart = (
        f"{year} has no goals in goals.yaml, so these targets are a proposal: they are kept "
        f"apart from the official targets.csv of the plans folder, and no report measures "
        "attainment on them."
    )
    if outcome.status == "not_written":
        return f"Not written (write_plan=False). {apart}"
    if outcome.status == "kept":
        return (
            f"Kept the proposal already in {path} for {year} (run again with overwrite=True to "
            f"replace it). {apart}"
        )
    verb = "Replaced" if outcome.status == "replaced" else "Wrote"
    return f"{verb} {outcome.rows:,} proposed {year} targets in {path}. {apart}"


def save_status(outcome: SaveOutcome):
    """:func:`save_sentence`, escaped."""
    return html.markdown("{status}", status=save_sentence(outcome))
