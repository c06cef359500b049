"""Triage of the early warnings: risk or opportunity, a severity, one exposure basis, the
"unusual for this partner" flag, the short list a reader reads and the headline totals.

Every signal row (:data:`~channel_lib.analysis.signals.SIGNAL_COLUMNS`) gets a ``kind``
(``risk``/``opportunity``) and a ``severity`` on :data:`SEVERITY_SCALE` from the rule table
``severity_rules.csv`` shipped beside this module (:func:`severity_rules`): per signal and
direction, size bands of a stated measure. The exposure of every row is one basis: revenue through
the entity over the trailing 12 months ending with the quarter (a partner, a channel; a lost
customer: its 12 months before the window, what stopped). Structural items (concentration) are
kept apart from events (``item``), and :func:`headline` never adds a risk to an opportunity, a
structural item to an event, or one entity twice. :func:`short_list` ranks the events by
severity × exposure and keeps the first :data:`SHORT_LIST_ROWS`; the rest stay in the export.

The 20% rule stays the definition of signal 2; :func:`partner_volatility` and the
``unusual`` column only say whether such a move is unusual *for this partner*: ``|change| > k ×``
the standard deviation of its own year-over-year quarterly changes before the window (lumpy batch
orderers move 20% every year; a steady partner does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from channel_lib.analysis.signals.partners import _no_reports, partner_reports
from channel_lib.analysis.signals.ranking import _min_exact, early_warnings
from channel_lib.analysis.signals.rows import SIGNAL_COLUMNS
from channel_lib.core.errors import ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data import cube as metrics
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.loader import Dataset

__all__ = [
    "DEFAULT_UNUSUAL_K",
    "RULES_FILE",
    "SEVERITY_SCALE",
    "SHORT_LIST_ROWS",
    "STRUCTURAL_SIGNALS",
    "TRIAGE_COLUMNS",
    "UNUSUAL_SIGNALS",
    "ShortList",
    "headline",
    "partner_volatility",
    "severity_rules",
    "short_list",
    "triage",
    "triaged_warnings",
]

#: Severity number → its word (1 low … 4 critical).
SEVERITY_SCALE: dict[int, str] = {1: "low", 2: "moderate", 3: "high", 4: "critical"}
#: Signals that describe the structure of the business, not an event of the quarter.
STRUCTURAL_SIGNALS: frozenset[str] = frozenset({"channel_dependency"})
#: Signals whose move is judged against the partner's own volatility (``unusual``).
#: Signal 2 only: our sales, monthly, where batch ordering makes a partner lumpy; signal 1 reads
#: quarterly reported totals (its spread is in :func:`partner_volatility`, shown, not judged).
UNUSUAL_SIGNALS: tuple[str, ...] = ("our_sales_change",)
#: Default ``k`` of the unusual flag: a move beyond 3 standard deviations of the partner's own.
DEFAULT_UNUSUAL_K: float = 3.0
#: Rows of the default short list.
SHORT_LIST_ROWS: int = 15
#: The packaged rule table.
RULES_FILE: Path = Path(__file__).with_name("severity_rules.csv")
#: The rule table's columns.
RULE_COLUMNS: list[str] = [
    "signal", "direction", "kind", "measure", "size_from", "severity", "reading",
]  # fmt: skip
#: How a rule's ``measure`` reads a row's size.
MEASURES: tuple[str, ...] = ("abs_value", "value", "rank_steps", "any")
#: Columns :func:`triage` adds to :data:`SIGNAL_COLUMNS`.
TRIAGE_COLUMNS: list[str] = [
    *SIGNAL_COLUMNS, "kind", "severity", "severity_label", "item", "unusual", "volatility",
    "priority_exact",
]  # fmt: skip
_MIN_HISTORY = 3  # year-over-year changes needed to measure a partner's volatility


# -- the rule table ---------------------------------------------------------------------------------
def severity_rules(path: str | Path | None = None) -> pd.DataFrame:
    """The severity rule table: which signal, direction and size give which kind and severity.

    Parameters
    ----------
    path : str or Path, optional
        A table with the same columns; default the packaged :data:`RULES_FILE`.

    Returns
    -------
    DataFrame
        :data:`RULE_COLUMNS`: ``signal``, ``direction``, ``kind`` (``risk``/``opportunity``),
        ``measure`` (one of :data:`MEASURES`: ``abs_value`` the |change| as a fraction, ``value``
        the row's value, ``rank_steps`` the line-card places moved, ``any`` no size),
        ``size_from`` (float, the band's lower bound, inclusive), ``severity`` (int, 1-4 of
        :data:`SEVERITY_SCALE`) and ``reading`` (the band in words).

    Raises
    ------
    ParameterError
        Naming the file, line, column and value of every bad cell.

    Examples
    --------
    >>> r = severity_rules()
    >>> gained = r[(r["signal"] == "line_card_change") & (r["direction"] == "gained")]
    >>> gained[["kind", "size_from", "severity"]].values.tolist()
    [['opportunity', 1.0, 1], ['opportunity', 2.0, 2]]
    """
    source = Path(path) if path is not None else RULES_FILE
    rules = pd.read_csv(source, dtype=str, keep_default_na=False)
    missing = [c for c in RULE_COLUMNS if c not in rules.columns]
    if missing:
        raise ParameterError(f"{source}: missing column(s) {', '.join(missing)}; "
                             f"the columns are {', '.join(RULE_COLUMNS)}")  # fmt: skip
    problems = []
    for i, row in rules.iterrows():
        line = int(i) + 2  # the header is line 1
        if row["kind"] not in ("risk", "opportunity"):
            problems.append(f"line {line}, kind {row['kind']!r}: write risk or opportunity")
        if row["measure"] not in MEASURES:
            problems.append(
                f"line {line}, measure {row['measure']!r}: one of {', '.join(MEASURES)}"
            )
        if row["severity"] not in {str(k) for k in SEVERITY_SCALE}:
            problems.append(f"line {line}, severity {row['severity']!r}: a whole number 1-4")
        try:
            float(row["size_from"])
        except ValueError:
            problems.append(f"line {line}, size_from {row['size_from']!r}: a number, e.g. 0.20")
    if problems:
        raise ParameterError(f"{source}: " + "; ".join(problems))
    rules = rules[RULE_COLUMNS].copy()
    rules["size_from"] = rules["size_from"].astype("float64")
    rules["severity"] = rules["severity"].astype("int64")
    return rules.sort_values(["signal", "direction", "size_from"]).reset_index(drop=True)


def _size(measure: str, value: float, threshold: float) -> float:
    if measure == "abs_value":
        return abs(value)
    if measure == "rank_steps":
        return abs(value - threshold)
    return value if measure == "value" else 0.0


def _classify(signals: pd.DataFrame, rules: pd.DataFrame) -> tuple[list[str], list[int]]:
    """``kind`` and ``severity`` of each row: the highest band its size reaches (the lowest band
    when a lowered threshold let a smaller move fire)."""
    bands = {k: g for k, g in rules.groupby(["signal", "direction"], sort=False)}
    kinds, severities = [], []
    for signal, direction, value, threshold in zip(
        signals["signal"], signals["direction"], signals["value"], signals["threshold"], strict=True
    ):
        g = bands.get((signal, direction))
        if g is None:
            raise ParameterError(
                f"{RULES_FILE.name}: no rule for signal {signal!r}, direction {direction!r}; "
                "add a row (signal,direction,kind,measure,size_from,severity,reading)"
            )
        size = round(_size(g["measure"].iloc[0], float(value), float(threshold)), 9)
        reached = g[g["size_from"] <= size]
        band = reached.iloc[-1] if len(reached) else g.iloc[0]
        kinds.append(str(band["kind"]))
        severities.append(int(band["severity"]))
    return kinds, severities


# -- the partner's own volatility -------------------------------------------------------------------
def partner_volatility(ds: Dataset, quarter: str) -> pd.DataFrame:
    """Each partner's own volatility: the spread of its year-over-year quarterly changes before the
    trailing 12-month window ending with ``quarter``.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        The signals' quarter, e.g. ``"FY2026-Q4"``.

    Returns
    -------
    DataFrame
        Indexed by ``partner_id``: ``sales_volatility`` (float, fraction: sample standard
        deviation of ``revenue(q) / revenue(q - 4 quarters) - 1`` of our revenue through the
        partner, for the up to eight quarters before the window) with ``sales_history`` (int, the
        changes measured), and ``reported_volatility``/``reported_history`` the same of the
        partner's reported total sales (quarters before its last four reports). ``NaN`` with
        fewer than three changes (not judged).

    Notes
    -----
    A quarter without a sale counts as zero revenue (a batch orderer's empty quarter); a change
    from a quarter of zero revenue is not defined and is left out.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> v = partner_volatility(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> list(v.columns)
    ['sales_volatility', 'sales_history', 'reported_volatility', 'reported_history']
    """
    cal = ds.calendar
    first = cal.shift_quarter(quarter, -3)
    history = [cal.shift_quarter(first, -k) for k in range(8, 0, -1)]
    s = metrics.cube_sums(ds, by=["partner_id"], period="quarter")
    s = s[s["partner_id"].notna()]
    wide = s.pivot_table(index="partner_id", columns="period", values="revenue_exact",
                         aggfunc="sum", fill_value=0)  # fmt: skip
    sales = _yoy_spread(wide.astype("float64"), history, cal)
    out = sales.rename(columns={"volatility": "sales_volatility", "history": "sales_history"})
    reported = pd.DataFrame(columns=["volatility", "history"], dtype="float64")
    if not _no_reports(ds):
        r = partner_reports(ds, quarter).dropna(subset=["total_sales_exact"])
        rows = []
        for pid, g in r.groupby("partner_id", sort=True):
            before = g.iloc[:-4]
            if before.empty:
                continue
            series = pd.Series(before["total_sales_exact"].to_numpy(dtype="float64"),
                               index=before["quarter"].to_numpy())  # fmt: skip
            rows.append((pid, *_spread(series, list(before["quarter"]), cal)))
        if rows:
            reported = pd.DataFrame(rows, columns=["partner_id", "volatility", "history"])
            reported = reported.set_index("partner_id")
    reported = reported.rename(
        columns={"volatility": "reported_volatility", "history": "reported_history"}
    )
    out = out.join(reported, how="outer")
    for c in ("sales_history", "reported_history"):
        out[c] = out[c].fillna(0).astype("int64")
    out.index.name = "partner_id"
    return out[["sales_volatility", "sales_history", "reported_volatility", "reported_history"]]


def _yoy_spread(wide: pd.DataFrame, history: list[str], cal) -> pd.DataFrame:
    rows = [(pid, *_spread(wide.loc[pid], history, cal)) for pid in wide.index]
    frame = pd.DataFrame(rows, columns=["partner_id", "volatility", "history"])
    return frame.set_index("partner_id")


def _spread(series: pd.Series, quarters: list[str], cal) -> tuple[float, int]:
    """Sample std of the year-over-year changes of ``series`` (by quarter label) at ``quarters``."""
    changes = []
    for q in quarters:
        base = series.get(cal.shift_quarter(q, -4))
        now = series.get(q, 0.0)
        if base is not None and base > 0:
            changes.append(float(now) / float(base) - 1.0)
    if len(changes) < _MIN_HISTORY:
        return float("nan"), len(changes)
    return float(np.std(changes, ddof=1)), len(changes)


# -- triage -----------------------------------------------------------------------------------------
def triage(
    signals: pd.DataFrame,
    *,
    volatility: pd.DataFrame,
    rules: pd.DataFrame | None = None,
    unusual_k: float = DEFAULT_UNUSUAL_K,
) -> pd.DataFrame:
    """Kind, severity, item, the unusual flag and the priority of every signal row, ranked.

    Parameters
    ----------
    signals : DataFrame
        :data:`SIGNAL_COLUMNS` rows (:func:`~channel_lib.analysis.signals.early_warnings` or
        :func:`~channel_lib.analysis.signals.warnings_at`).
    volatility : DataFrame
        :func:`partner_volatility` of the same quarter.
    rules : DataFrame, optional
        :func:`severity_rules` (default the packaged table).
    unusual_k : float
        A move is unusual for the partner when ``|change| > unusual_k ×`` its volatility.

    Returns
    -------
    DataFrame
        :data:`TRIAGE_COLUMNS`: the signal columns, ``kind`` (``risk``/``opportunity``),
        ``severity`` (int 1-4) and ``severity_label`` (:data:`SEVERITY_SCALE`), ``item``
        (``event`` or ``structural``), ``unusual`` (boolean; ``<NA>`` for a signal not judged
        against volatility or a partner with too short a history), ``volatility`` (fraction, the
        one compared) and ``priority_exact`` (int64: severity × revenue at stake, exact units).
        Events first, then by priority, largest first.

    Raises
    ------
    ParameterError
        For a negative ``unusual_k`` or a signal and direction the rule table does not cover.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> from channel_lib.analysis.signals import early_warnings
    >>> ds = load_dataset("tests/data/tiny")
    >>> t = triage(early_warnings(ds, "FY2026-Q4"), volatility=partner_volatility(ds, "FY2026-Q4"))
    >>> t[["signal", "entity_id", "kind", "severity", "item"]].head(3)
                 signal entity_id         kind  severity   item
    0  our_sales_change        P3  opportunity         3  event
    1  our_sales_change        P1         risk         2  event
    2   key_talent_loss        P2         risk         2  event
    """
    if isinstance(unusual_k, bool) or not isinstance(unusual_k, int | float) or unusual_k < 0:
        raise ParameterError(f"unusual_k={unusual_k!r}: a number ≥ 0 (e.g. 3: three times the "
                             "partner's own standard deviation)")  # fmt: skip
    rules = severity_rules() if rules is None else rules
    out = signals.reindex(columns=SIGNAL_COLUMNS).copy()
    kinds, severities = _classify(out, rules)
    out["kind"] = pd.Series(kinds, index=out.index, dtype="string")
    out["severity"] = pd.Series(severities, index=out.index, dtype="int64")
    out["severity_label"] = out["severity"].map(SEVERITY_SCALE).astype("string")
    structural = out["signal"].isin(STRUCTURAL_SIGNALS)
    out["item"] = pd.Series(np.where(structural, "structural", "event"), index=out.index,
                            dtype="string")  # fmt: skip
    column = {"our_sales_change": "sales_volatility"}
    vol = pd.Series(np.nan, index=out.index, dtype="float64")
    for signal, name in column.items():
        rows = out["signal"] == signal
        if rows.any() and name in volatility.columns:
            vol[rows] = out.loc[rows, "partner_id"].map(volatility[name]).astype("float64")
    out["volatility"] = vol
    unusual = pd.Series(pd.NA, index=out.index, dtype="boolean")
    judged = vol.notna()
    unusual[judged] = out.loc[judged, "value"].abs() > unusual_k * vol[judged]
    out["unusual"] = unusual
    out["priority_exact"] = (out["severity"] * out["revenue_at_stake_exact"]).astype("int64")
    out["_order"] = structural.astype(int)
    out = out.sort_values(
        ["_order", "priority_exact", "severity", "signal", "entity_id"],
        ascending=[True, False, False, True, True],
    ).drop(columns="_order")
    return out.reset_index(drop=True)[TRIAGE_COLUMNS]


def triaged_warnings(
    ds: Dataset,
    quarter: str,
    *,
    thresholds: SignalThresholds | None = None,
    unusual_k: float = DEFAULT_UNUSUAL_K,
) -> pd.DataFrame:
    """Every early warning of ``quarter``, triaged: :func:`early_warnings` then :func:`triage`.

    Parameters
    ----------
    ds : Dataset
    quarter : str
    thresholds : SignalThresholds, optional
        Default the dataset's (``goals.yaml``).
    unusual_k : float
        See :func:`triage`.

    Returns
    -------
    DataFrame
        :data:`TRIAGE_COLUMNS`, events first, largest severity × exposure first.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> t = triaged_warnings(load_dataset("tests/data/tiny"), "FY2026-Q4")
    >>> t["kind"].value_counts().to_dict()
    {'risk': 5, 'opportunity': 1}
    """
    warnings = early_warnings(ds, quarter, thresholds=thresholds)
    return triage(warnings, volatility=partner_volatility(ds, quarter), unusual_k=unusual_k)


# -- what the reader reads --------------------------------------------------------------------------
@dataclass(frozen=True)
class ShortList:
    """The default list of a quarter's signals (:func:`short_list`).

    Attributes
    ----------
    rows : DataFrame
        The material events with the highest severity × exposure (at most ``max_rows``).
    structural : DataFrame
        The structural items (concentration), shown apart, never added to events.
    more : int
        Signals in the export that neither table shows.
    below_minimum : int
        Of those, the events below the materiality minimum.
    total : int
        Every signal row (the export's rows).
    """

    rows: pd.DataFrame
    structural: pd.DataFrame
    more: int
    below_minimum: int
    total: int

    def summary(self) -> str:
        """``15 events and 2 structural items shown; 9 more signals in the export.``"""
        return (f"{len(self.rows)} events and {len(self.structural)} structural items shown; "
                f"{self.more} more signals in the export.")  # fmt: skip


def short_list(
    triaged: pd.DataFrame,
    *,
    min_revenue_at_stake: float,
    money: MoneyUnit,
    max_rows: int = SHORT_LIST_ROWS,
) -> ShortList:
    """The list a reader reads: the material events ranked by severity × exposure, at most
    ``max_rows``, and the structural items apart.

    Parameters
    ----------
    triaged : DataFrame
        :func:`triage` rows.
    min_revenue_at_stake : float
        Materiality minimum in currency (``goals.signals.min_revenue_at_stake``).
    money : MoneyUnit
        The unit of the ``*_exact`` columns (``ds.money``).
    max_rows : int
        Events shown (default :data:`SHORT_LIST_ROWS`, 15).

    Returns
    -------
    ShortList

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> from channel_lib.analysis.signals import early_warnings
    >>> ds = load_dataset("tests/data/tiny")
    >>> t = triage(early_warnings(ds, "FY2026-Q2"), volatility=partner_volatility(ds, "FY2026-Q2"))
    >>> s = short_list(t, min_revenue_at_stake=0, money=ds.money, max_rows=2)
    >>> len(s.rows), s.more == s.total - len(s.rows) - len(s.structural)
    (2, True)
    """
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise ParameterError(f"max_rows={max_rows!r}: a whole number of rows ≥ 1 (e.g. 15)")
    least = _min_exact(min_revenue_at_stake, money)
    events = triaged[triaged["item"] == "event"]
    material_events = events[events["revenue_at_stake_exact"] >= least]
    rows = material_events.head(max_rows).reset_index(drop=True)
    structural = triaged[triaged["item"] == "structural"].reset_index(drop=True)
    return ShortList(
        rows=rows, structural=structural, more=len(triaged) - len(rows) - len(structural),
        below_minimum=len(events) - len(material_events), total=len(triaged),
    )  # fmt: skip


#: Columns of :func:`headline`.
HEADLINE_COLUMNS: list[str] = [
    "kind", "signals", "entities", "exposure", "exposure_exact", "largest_signal",
    "largest_entity_id", "largest_entity_name", "largest_evidence", "largest_severity",
]  # fmt: skip


def headline(triaged: pd.DataFrame, *, money: MoneyUnit) -> pd.DataFrame:
    """The risks' and the opportunities' totals, each apart: events only, every entity once.

    Parameters
    ----------
    triaged : DataFrame
        :func:`triage` rows (or a subset, e.g. the material ones).
    money : MoneyUnit
        The unit of ``revenue_at_stake_exact`` (``ds.money``).

    Returns
    -------
    DataFrame
        One row per kind (``risk`` then ``opportunity``, only kinds with events):
        :data:`HEADLINE_COLUMNS`. ``exposure_exact`` (int64) sums the trailing-12-month revenue
        of each entity once (its largest exposure among its rows); a customer bought through a
        partner already counted is inside that partner's revenue and not added again.
        Structural items (concentration) are never added. ``largest_*`` is the event of the
        highest priority.

    Examples
    --------
    >>> rows = pd.DataFrame({"signal": ["our_sales_change", "lost_customer", "line_card_change"],
    ...     "entity_type": ["partner", "customer", "partner"], "entity_id": ["P1", "C1", "P1"],
    ...     "entity_name": ["A", "B", "A"], "partner_id": ["P1", "P1", "P1"],
    ...     "evidence": ["x", "y", "z"], "kind": ["risk", "risk", "opportunity"],
    ...     "severity": [2, 3, 1], "item": "event", "priority_exact": [20, 30, 10],
    ...     "revenue_at_stake_exact": [10, 10, 10]})
    >>> headline(rows, money=MoneyUnit("USD", 0))[["kind", "entities", "exposure_exact"]]
              kind  entities  exposure_exact
    0         risk         1              10
    1  opportunity         1              10
    """
    events = triaged[triaged["item"] == "event"]
    found = []
    for kind in ("risk", "opportunity"):
        rows = events[events["kind"] == kind]
        if rows.empty:
            continue
        each = (
            rows.groupby(["entity_type", "entity_id"], sort=True)
            .agg(
                exposure_exact=("revenue_at_stake_exact", "max"), partner_id=("partner_id", "first")
            )
            .reset_index()
        )
        partners = set(each.loc[each["entity_type"] == "partner", "entity_id"])
        inside = (each["entity_type"] != "partner") & each["partner_id"].isin(partners)
        each = each[~inside]
        top = rows.sort_values("priority_exact", ascending=False, kind="stable").iloc[0]
        total = int(each["exposure_exact"].sum())
        found.append({
            "kind": kind, "signals": len(rows), "entities": len(each),
            "exposure": money.amount(total), "exposure_exact": total,
            "largest_signal": top["signal"], "largest_entity_id": top["entity_id"],
            "largest_entity_name": top["entity_name"], "largest_evidence": top["evidence"],
            "largest_severity": int(top["severity"]),
        })  # fmt: skip
    frame = pd.DataFrame(found, columns=HEADLINE_COLUMNS)
    frame["exposure_exact"] = frame["exposure_exact"].astype("int64")
    return frame
