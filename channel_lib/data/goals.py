"""Corporate goals from ``goals.yaml``: currency, fiscal calendar, yearly objectives, channel roles
and signal thresholds.

The file has one section per fiscal year, so a change of objective or of a channel's role between
years is data, not code::

    currency: USD
    money_decimals: 4                     # optional: places the money columns have at most (0–6)
    fiscal_year: {start_month: 7, naming: end}
    signals: {partner_sales_change: 0.20, win_loss_amount: 300000}   # optional overrides
    years:
      FY2026:
        revenue_objective: 150000000
        gross_margin_goal: 0.34
        managing_for: revenue_and_profit          # or: revenue
        strategic_focus:
          segments: {enterprise: 0.5, mid_market: 0.3, smb: 0.2}
          product_lines: {platform: 0.6, services: 0.4}
          new_customer_share: 0.2
        channels:
          DIR: {role: strategic_accounts, role_weight: 1.2, segments: [enterprise],
                product_lines: [platform], customer_focus: expansion}
          DIST: {role: distribution, gross_margin_goal: 0.40}   # optional: the channel's own goal

An optional top-level ``partner_reports:`` section says which fields of ``partner_reports.csv``
each kind of channel is asked for (a marketplace is not asked for its line-card rank or its key
sales departures); a key is a channel role of ``years:`` or a ``channel_type`` of
``channels.csv``, ``default`` covers the others, and a role not listed keeps the package's
defaults (:data:`DEFAULT_EXPECTED_FIELDS`)::

    partner_reports:
      expected_fields:
        online_marketplace: [partner_total_sales, csat, first_response_hours]
        default: [partner_total_sales, line_card_rank, sales_headcount, key_sales_departures,
                  csat, first_response_hours, certified_staff, pipeline_value]

A channel's ``gross_margin_goal`` (optional, a fraction 0–1) is the margin its role is judged
against (a distribution channel runs thinner than direct sales); a channel without one is judged
against the year's corporate ``gross_margin_goal`` (:meth:`YearGoals.channel_margin_goal`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from channel_lib.core.calendar import FiscalCalendar
from channel_lib.core.errors import ParameterError, Problem, near_name, shorten
from channel_lib.core.money import (
    DEFAULT_MONEY_DECIMALS,
    MoneyUnit,
    format_exact,
    parse_exact,
    to_exact,
)
from channel_lib.data.readers.yaml_files import read_yaml

MANAGING_FOR = ("revenue", "revenue_and_profit")
CUSTOMER_FOCUS = ("acquisition", "expansion", "coverage")


@dataclass(frozen=True)
class SignalThresholds:
    """Early-warning thresholds (DESIGN "Signal definitions"); a threshold is met at ``>=``.

    Shares and changes are fractions (0.20 = 20%); money is in the dataset's currency.
    """

    partner_sales_change: float = (
        0.20  # partner's own total sales, last 4 reported quarters vs 4 before
    )
    our_sales_change: float = (
        0.20  # our revenue through the partner, trailing 12 months vs 12 before
    )
    lost_customer_share: float = 0.01  # customer's share of company revenue over the 12 months
    lost_customer_window_quarters: int = 2  # quarters without purchase that make a customer lost
    key_talent_quarters: int = 2  # reported quarters looked at for key sales departures
    csat_min: float = 4.0  # partner CSAT (1-5 scale) below this is flagged
    first_response_hours_max: float = 24.0  # partner first response above this is flagged
    win_loss_amount: float = 300_000.0  # deals at or above this need a win/loss interview
    dependency_share: float = (
        0.30  # a channel or partner at or above this share is a concentration risk
    )
    min_revenue_at_stake: float = 50_000.0  # materiality filter for signal lists


#: The thresholds of :class:`SignalThresholds` that are money, in ``goals.yaml``'s currency; their
#: defaults are USD figures.
MONEY_THRESHOLDS: tuple[str, ...] = ("win_loss_amount", "min_revenue_at_stake")


#: The fields of ``partner_reports.csv`` the workbook reads, in the file's order.
PARTNER_REPORT_FIELDS: tuple[str, ...] = (
    "partner_total_sales",
    "line_card_rank",
    "sales_headcount",
    "key_sales_departures",
    "csat",
    "first_response_hours",
    "certified_staff",
    "pipeline_value",
)
#: Fields a marketplace (an online storefront) can report: its own sales and its service; it has
#: no line card to rank us on and no partner sales team whose departures we track.
_MARKETPLACE_FIELDS: tuple[str, ...] = ("partner_total_sales", "csat", "first_response_hours")
#: The package's defaults of ``partner_reports.expected_fields``: channel role or channel type →
#: the report fields asked of that channel's partners; ``default`` for every other channel.
DEFAULT_EXPECTED_FIELDS: dict[str, tuple[str, ...]] = {
    "default": PARTNER_REPORT_FIELDS,
    "online_marketplace": _MARKETPLACE_FIELDS,
    "marketplace": _MARKETPLACE_FIELDS,
}


@dataclass(frozen=True)
class ChannelRole:
    """A channel's declared role for one fiscal year.

    ``gross_margin_goal`` is the channel's own gross-margin goal (gross profit / revenue, a
    fraction 0–1) when ``goals.yaml`` gives one for it, else ``None`` (the corporate goal applies).
    """

    role: str
    role_weight: float = 1.0
    segments: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    customer_focus: str = "coverage"
    gross_margin_goal: float | None = None


@dataclass(frozen=True)
class YearGoals:
    """Corporate goals for one fiscal year."""

    year: str
    revenue_objective: float
    gross_margin_goal: float
    managing_for: str
    segment_focus: dict[str, float] = field(default_factory=dict)
    product_line_focus: dict[str, float] = field(default_factory=dict)
    new_customer_share: float = 0.0
    channels: dict[str, ChannelRole] = field(default_factory=dict)

    def channel_margin_goal(self, channel_id: str) -> float | None:
        """The gross-margin goal channel ``channel_id`` is judged against this year.

        Parameters
        ----------
        channel_id : str
            A channel id (``channels.csv``'s ``channel_id``).

        Returns
        -------
        float or None
            The channel's own ``gross_margin_goal`` (a fraction, gross profit / revenue) where
            ``goals.yaml`` gives one, else the year's corporate ``gross_margin_goal``; ``None``
            only when neither is known (a year read without a corporate goal). A partner is
            judged against its channel's goal.

        Examples
        --------
        >>> year = YearGoals("FY2026", 100.0, 0.48, "revenue_and_profit",
        ...                  channels={"DIST": ChannelRole("distribution", gross_margin_goal=0.40),
        ...                            "DIR": ChannelRole("strategic_accounts")})
        >>> year.channel_margin_goal("DIST"), year.channel_margin_goal("DIR")
        (0.4, 0.48)
        >>> year.channel_margin_goal("NEW")  # a channel goals.yaml does not list
        0.48
        """
        role = self.channels.get(channel_id)
        if role is not None and role.gross_margin_goal is not None:
            return role.gross_margin_goal
        return None if self.gross_margin_goal is None else float(self.gross_margin_goal)


@dataclass(frozen=True)
class Goals:
    """Everything ``goals.yaml`` says."""

    currency: str
    calendar: FiscalCalendar
    signals: SignalThresholds
    years: dict[str, YearGoals]
    #: Places the source's money has at most (``money_decimals``, 0–6): the exact unit.
    money_decimals: int = DEFAULT_MONEY_DECIMALS
    #: Names of the :class:`SignalThresholds` the file's ``signals:`` section sets (the others
    #: are the defaults).
    signals_set: frozenset[str] = frozenset()
    #: ``partner_reports.expected_fields``: channel role or type → report fields asked of its
    #: partners (the file's entries over :data:`DEFAULT_EXPECTED_FIELDS`).
    expected_fields: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_EXPECTED_FIELDS)
    )

    def expected_report_fields(
        self, role: str | None = None, channel_type: str | None = None
    ) -> tuple[str, ...]:
        """The ``partner_reports.csv`` fields asked of the partners of a channel.

        Parameters
        ----------
        role : str, optional
            The channel's role in the fiscal year (``years.FY….channels.<id>.role``).
        channel_type : str, optional
            The channel's ``channel_type`` (``channels.csv``), looked up when the role is not
            listed.

        Returns
        -------
        tuple of str
            Fields of :data:`PARTNER_REPORT_FIELDS`, in the file's order: the entry of the role,
            else of the channel type, else ``default``.

        Examples
        --------
        >>> from channel_lib.core.calendar import FiscalCalendar
        >>> goals = Goals("USD", FiscalCalendar(), SignalThresholds(), {})
        >>> goals.expected_report_fields("online_marketplace")
        ('partner_total_sales', 'csat', 'first_response_hours')
        >>> len(goals.expected_report_fields("distribution", "distribution"))
        8
        """
        for key in (role, channel_type):
            if key is not None and key in self.expected_fields:
                return self.expected_fields[key]
        return self.expected_fields.get("default", PARTNER_REPORT_FIELDS)

    @property
    def money(self) -> MoneyUnit:
        """The dataset's money unit (:class:`~channel_lib.core.money.MoneyUnit`)."""
        return MoneyUnit(self.currency, self.money_decimals)

    def threshold_notes(self) -> tuple[str, ...]:
        """Notes on money thresholds left at their USD defaults in a dataset of another currency.

        Returns
        -------
        tuple of str
            One sentence per threshold of :data:`MONEY_THRESHOLDS` that ``goals.yaml`` does not
            set, when the currency is not USD (none for a USD dataset).

        Examples
        --------
        >>> from channel_lib.core.calendar import FiscalCalendar
        >>> goals = Goals("EUR", FiscalCalendar(), SignalThresholds(), {},
        ...               signals_set=frozenset({"min_revenue_at_stake"}))
        >>> print(*goals.threshold_notes())
        signals.win_loss_amount defaults to 300,000 — a USD figure; set it in your currency (EUR) under signals: in goals.yaml
        """
        if self.currency.upper() == "USD":
            return ()
        return tuple(
            f"signals.{name} defaults to {getattr(self.signals, name):,.0f} — a USD figure; "
            f"set it in your currency ({self.currency}) under signals: in goals.yaml"
            for name in MONEY_THRESHOLDS
            if name not in self.signals_set
        )

    def year(self, label: str) -> YearGoals:
        """Goals of fiscal year ``label``; raises a clear error for a year not in the file."""
        if label not in self.years:
            raise ParameterError(
                f"fiscal year {label!r} is not in goals.yaml; it has {', '.join(sorted(self.years))}"
            )
        return self.years[label]


_YEAR_KEYS = (
    "revenue_objective",
    "gross_margin_goal",
    "managing_for",
    "strategic_focus",
    "channels",
)
_FOCUS_KEYS = ("segments", "product_lines", "new_customer_share")
_CHANNEL_KEYS = (
    "role",
    "role_weight",
    "segments",
    "product_lines",
    "customer_focus",
    "gross_margin_goal",
)


class _Reader:
    """Collects problems while reading a parsed YAML mapping, with line numbers from the nodes."""

    def __init__(self, file: str, lines: dict[tuple[str, ...], int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def problem(self, path: tuple[str, ...], value: Any, message: str) -> None:
        line = None
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                line = self.lines[path[:n]]
                break
        self.problems.append(Problem(self.file, ".".join(path), line, _short(value), message))

    def known_keys(self, node: dict, path: tuple[str, ...], known: tuple[str, ...]) -> None:
        """Report each key of ``node`` the workbook would not read (a typo would be ignored)."""
        for key in node:
            if key not in known:
                near = near_name(str(key), [k for k in known if k not in node])
                self.problem(
                    (*path, str(key)), key,
                    f"unknown key; rename it to '{near}'" if near else
                    f"unknown key; remove it or use one of {', '.join(known)}",
                )  # fmt: skip

    def mapping(self, node: Any, path: tuple[str, ...], *, required: bool = True) -> dict:
        if node is None and not required:
            return {}
        if not isinstance(node, dict):
            self.problem(path, node, "must be a mapping of keys to values (key: value lines)")
            return {}
        return node

    def number(
        self,
        node: dict,
        key: str,
        path: tuple[str, ...],
        *,
        lo: float | None = None,
        hi: float | None = None,
        default: Any = ...,
        integer: bool = False,
    ) -> Any:
        here = (*path, key)
        if key not in node:
            if default is ...:
                self.problem(
                    here, "", f"is missing; add '{key}:' under {'.'.join(path) or 'the top level'}"
                )
                return None
            return default
        value = node[key]
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            self.problem(here, value, f"must be {'a whole number' if integer else 'a number'}")
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.problem(here, value, f"must lie between {lo} and {hi}")
            return None
        return value

    def choice(
        self,
        node: dict,
        key: str,
        path: tuple[str, ...],
        choices: tuple[str, ...],
        default: Any = ...,
    ) -> Any:
        here = (*path, key)
        if key not in node:
            if default is ...:
                self.problem(here, "", f"is missing; one of {', '.join(choices)}")
                return None
            return default
        if node[key] not in choices:
            self.problem(here, node[key], f"must be one of {', '.join(choices)}")
            return None
        return node[key]

    def weights(self, node: Any, path: tuple[str, ...]) -> dict[str, float]:
        node = self.mapping(node, path, required=False)
        out = {}
        for k, v in node.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                self.problem((*path, str(k)), v, "a focus weight must be a number between 0 and 1")
            else:
                out[str(k)] = float(v)
        if out and abs(sum(out.values()) - 1) > 1e-6:
            self.problem(path, sum(out.values()), "focus weights must sum to 1")
        return out

    def names(self, node: dict, key: str, path: tuple[str, ...]) -> tuple[str, ...]:
        value = node.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(
                (*path, key), value, "must be a list of names, e.g. [enterprise, mid_market]"
            )
            return ()
        return tuple(value)


def _short(value: Any) -> str:
    return shorten(value)


def _node_lines(node: yaml.Node, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(_node_lines(value, (*path, str(key.value))))
            lines[(*path, str(key.value))] = key.start_mark.line + 1
    return lines


def read_goals(path: Path) -> tuple[Goals | None, list[Problem]]:
    """Read and validate ``goals.yaml``.

    Parameters
    ----------
    path : Path
        The ``goals.yaml`` file.

    Returns
    -------
    (goals, problems)
        ``goals`` is ``None`` when the file cannot be used; ``problems`` lists every problem found,
        each naming the key path (as the column) and the line.
    """
    file = path.name
    if not path.exists():
        return None, [
            Problem(
                file,
                "",
                None,
                "",
                "required file is missing; it holds currency, "
                "fiscal calendar and yearly goals (see the data contract in the README)",
            )
        ]
    parsed = _parse(path)
    if isinstance(parsed, Problem):
        return None, [parsed]
    root, data = parsed
    r = _Reader(file, _node_lines(root) if root is not None else {})
    data = r.mapping(data, ())
    r.known_keys(
        data,
        (),
        ("currency", "money_decimals", "fiscal_year", "signals", "partner_reports", "years"),
    )
    currency = data.get("currency")
    if not isinstance(currency, str) or not currency:
        r.problem(("currency",), currency, "is missing; add e.g. 'currency: USD'")
    fy = r.mapping(data.get("fiscal_year", {}), ("fiscal_year",), required=False)
    r.known_keys(fy, ("fiscal_year",), ("start_month", "naming"))
    start_month = r.number(
        fy, "start_month", ("fiscal_year",), lo=1, hi=12, default=1, integer=True
    )
    naming = r.choice(fy, "naming", ("fiscal_year",), ("end", "start"), default="end")
    money_decimals = r.number(
        data, "money_decimals", (), lo=0, hi=6, default=DEFAULT_MONEY_DECIMALS, integer=True
    )
    signal_values = _read_signals(r, data, money_decimals)
    years = _read_years(r, data)
    expected = _read_partner_reports(r, data)
    if r.problems or start_month is None or naming is None or money_decimals is None:
        return None, r.problems
    goals = Goals(
        currency=currency,
        calendar=FiscalCalendar(start_month=start_month, naming=naming),
        signals=SignalThresholds(**signal_values),
        years=dict(sorted(years.items())),
        money_decimals=money_decimals,
        signals_set=frozenset(signal_values),
        expected_fields=expected,
    )
    return goals, []


def _parse(path: Path) -> tuple[Any, Any] | Problem:
    """The YAML node tree (for line numbers) and the data of ``path``, or the problem why not.

    Read within the YAML bounds (:func:`~channel_lib.data.readers.yaml_files.read_yaml`: a
    regular file of at most 1 MiB, nested at most 32 deep, no anchors or aliases) before
    anything is built, so an alias bomb or 100,000 ``[`` is a problem, not a crash.
    """
    document = read_yaml(path, data=True)
    if isinstance(document, Problem):
        return document
    return document.root, document.data


def _read_signals(r: _Reader, data: dict, money_decimals: int | None) -> dict[str, float | int]:
    """The ``signals:`` section: threshold name → value, for the known thresholds given.

    A money threshold (:data:`MONEY_THRESHOLDS`) with more places than ``money_decimals`` is a
    problem: the workbook could not compare it exactly with the data's amounts.
    """
    signals_node = r.mapping(data.get("signals", {}), ("signals",), required=False)
    known = {f.name: f for f in fields(SignalThresholds)}
    signal_values = {}
    for key, value in signals_node.items():
        if key not in known:
            r.problem(
                ("signals", str(key)), value, f"unknown signal threshold; known: {', '.join(known)}"
            )
            continue
        v = r.number(signals_node, key, ("signals",), lo=0, integer=known[key].type == "int")
        if v is None:
            continue
        places = DEFAULT_MONEY_DECIMALS if money_decimals is None else money_decimals
        if key in MONEY_THRESHOLDS and parse_exact(v, places) is None:
            r.problem(
                ("signals", str(key)), v,
                f"has more decimals than the money unit ({places} places, money_decimals); "
                f"write it with at most {places} (e.g. {format_exact(to_exact(v, places), places)})"
                " or raise money_decimals",
            )  # fmt: skip
            continue
        signal_values[key] = v
    return signal_values


def _read_partner_reports(r: _Reader, data: dict) -> dict[str, tuple[str, ...]]:
    """The ``partner_reports:`` section: channel role or type → expected report fields, over the
    package's :data:`DEFAULT_EXPECTED_FIELDS`.

    A field that ``partner_reports.csv`` does not have is a problem (with the nearest field's
    name), so a typo does not silently stop asking for a field.
    """
    path = ("partner_reports",)
    node = r.mapping(data.get("partner_reports", {}), path, required=False)
    r.known_keys(node, path, ("expected_fields",))
    epath = (*path, "expected_fields")
    by_role = r.mapping(node.get("expected_fields", {}), epath, required=False)
    expected = dict(DEFAULT_EXPECTED_FIELDS)
    for role, given in by_role.items():
        here = (*epath, str(role))
        if not isinstance(given, list) or not all(isinstance(f, str) for f in given):
            r.problem(
                here, given, "must be a list of report fields, e.g. [partner_total_sales, csat]"
            )
            continue
        unknown = [f for f in given if f not in PARTNER_REPORT_FIELDS]
        for f in unknown:
            near = near_name(f, list(PARTNER_REPORT_FIELDS))
            r.problem(
                here, f,
                f"unknown report field {f!r}; rename it to '{near}'" if near else
                f"unknown report field {f!r}; the fields of partner_reports.csv are "
                f"{', '.join(PARTNER_REPORT_FIELDS)}",
            )  # fmt: skip
        if not unknown:
            expected[str(role)] = tuple(f for f in PARTNER_REPORT_FIELDS if f in given)
    return expected


def _read_years(r: _Reader, data: dict) -> dict[str, YearGoals]:
    """The ``years:`` section: fiscal year label → its goals (a badly named section is skipped)."""
    years_node = r.mapping(data.get("years"), ("years",))
    if not years_node and not r.problems:
        r.problem(("years",), "", "has no fiscal year; add a section such as 'FY2026:'")
    years = {}
    for label, section in years_node.items():
        path_ = ("years", str(label))
        if not isinstance(label, str) or not label.startswith("FY") or not label[2:].isdigit():
            r.problem(path_, label, "a fiscal year section is named like FY2026")
            continue
        years[label] = _read_year(r, label, r.mapping(section, path_), path_)
    return years


def _channel_margin(r: _Reader, spec: dict, cpath: tuple[str, ...]) -> float | None:
    """A channel's optional ``gross_margin_goal``: a fraction 0–1, ``None`` when not given.

    A value that is not a number, or lies outside 0–1 (``40`` written for 40%), is a problem
    naming the key path, line and value.
    """
    if "gross_margin_goal" not in spec:
        return None
    value = spec["gross_margin_goal"]
    here = (*cpath, "gross_margin_goal")
    if isinstance(value, bool) or not isinstance(value, int | float):
        r.problem(here, value, "must be a number: a fraction between 0 and 1, e.g. 0.40 for 40%")
        return None
    if not 0 <= value <= 1:
        hint = f"; write {value / 100:g} for {value:g}%" if 1 < value <= 100 else ""
        r.problem(here, value, f"must be a fraction between 0 and 1 (0.40 = 40%){hint}")
        return None
    return float(value)


def _read_year(r: _Reader, label: str, node: dict, path: tuple[str, ...]) -> YearGoals:
    r.known_keys(node, path, _YEAR_KEYS)
    focus = r.mapping(node.get("strategic_focus", {}), (*path, "strategic_focus"), required=False)
    r.known_keys(focus, (*path, "strategic_focus"), _FOCUS_KEYS)
    channels = {}
    for cid, spec in r.mapping(
        node.get("channels", {}), (*path, "channels"), required=False
    ).items():
        cpath = (*path, "channels", str(cid))
        spec = r.mapping(spec, cpath)
        r.known_keys(spec, cpath, _CHANNEL_KEYS)
        role = spec.get("role")
        if not isinstance(role, str) or not role:
            r.problem(
                (*cpath, "role"),
                role,
                "each channel needs a declared role, e.g. 'role: distribution'",
            )
        channels[str(cid)] = ChannelRole(
            role=str(role),
            role_weight=r.number(spec, "role_weight", cpath, lo=0, default=1.0) or 0.0,
            segments=r.names(spec, "segments", cpath),
            product_lines=r.names(spec, "product_lines", cpath),
            customer_focus=r.choice(
                spec, "customer_focus", cpath, CUSTOMER_FOCUS, default="coverage"
            ),
            gross_margin_goal=_channel_margin(r, spec, cpath),
        )
    return YearGoals(
        year=label,
        revenue_objective=r.number(node, "revenue_objective", path, lo=0),
        gross_margin_goal=r.number(node, "gross_margin_goal", path, lo=-1, hi=1),
        managing_for=r.choice(node, "managing_for", path, MANAGING_FOR),
        segment_focus=r.weights(focus.get("segments"), (*path, "strategic_focus", "segments")),
        product_line_focus=r.weights(
            focus.get("product_lines"), (*path, "strategic_focus", "product_lines")
        ),
        new_customer_share=r.number(
            focus, "new_customer_share", (*path, "strategic_focus"), lo=0, hi=1, default=0.0
        ),
        channels=channels,
    )
