"""Early-warning signals, the win/loss interview list and partner reporting (notebook 05).

Each early warning of DESIGN.md ("Signal definitions") is one function with its threshold as a
keyword parameter (``None`` = the value of ``goals.yaml`` ``signals:``); a threshold is met at
``>=``. Every function returns rows of the same tidy shape (:data:`SIGNAL_COLUMNS`): the entity,
the evidence (the numbers and the periods compared), since when, and the revenue exposed, so the
rows of all signals stack into one list ranked by money (:func:`early_warnings`). The list carries
a materiality filter (:func:`material`, :func:`below_materiality`) and is exported as CSV for
follow-up by :func:`channel_lib.plans.signals_export.write_signals`. :func:`flagged_partners`
names the partners with material signals for the report batch (``--partners flagged``).

Partner reports (``partner_reports.csv``) are optional and often late or incomplete: a signal that
needs a report is not computed for a partner without one (never guessed);
:func:`channel_lib.analysis.scorecard.reporting_status` names those partners and the signals they block.

Money is exact: sums are DECIMAL in DuckDB and int64 exact units of the dataset's money unit here
(``*_exact`` columns, ``ds.money``), with a float copy in currency units for display.

The package, one job per module: :mod:`.thresholds` (the thresholds in force), :mod:`.partners`
(the partner data the signals read), :mod:`.rows` (the rows' one shape), :mod:`.reported` (the
signals from the partners' reports), :mod:`.sales` (from our sales), :mod:`.customers` (lost and
moved customers), :mod:`.ranking` (the ranked list and the materiality cut), :mod:`.deals` (the
win/loss list), :mod:`.sweep` (the list at moved thresholds from candidates computed once: the
signal explorer's sliders), :mod:`.triage` (risk or opportunity and a severity from the rule table
``severity_rules.csv``, the unusual-for-this-partner flag, the short list and the headline totals:
the notebook and the explorer both call it).
"""

from __future__ import annotations

from channel_lib.analysis.signals.customers import (
    lost_customer,
    moved_customers,
)
from channel_lib.analysis.signals.deals import (
    win_loss_deals,
)
from channel_lib.analysis.signals.partners import (
    partner_reports,
    partner_table,
    trailing_partner_revenue,
)
from channel_lib.analysis.signals.ranking import (
    below_materiality,
    early_warnings,
    flagged_partners,
    material,
)
from channel_lib.analysis.signals.reported import (
    key_talent_loss,
    line_card_change,
    partner_total_sales_change,
    service_metrics,
)
from channel_lib.analysis.signals.rows import (
    SIGNAL_COLUMNS,
    SIGNAL_NAMES,
    stack_signals,
)
from channel_lib.analysis.signals.sales import (
    channel_dependency,
    our_sales_change,
)
from channel_lib.analysis.signals.sweep import (
    FIXED_THRESHOLDS,
    SWEPT_THRESHOLDS,
    SignalCandidates,
    moved_fixed_thresholds,
    signal_candidates,
    warnings_at,
)
from channel_lib.analysis.signals.thresholds import (
    resolve_thresholds,
)
from channel_lib.analysis.signals.triage import (
    DEFAULT_UNUSUAL_K,
    SEVERITY_SCALE,
    SHORT_LIST_ROWS,
    STRUCTURAL_SIGNALS,
    TRIAGE_COLUMNS,
    ShortList,
    headline,
    partner_volatility,
    severity_rules,
    short_list,
    triage,
    triaged_warnings,
)

__all__ = [
    "DEFAULT_UNUSUAL_K",
    "FIXED_THRESHOLDS",
    "SEVERITY_SCALE",
    "SHORT_LIST_ROWS",
    "SIGNAL_COLUMNS",
    "SIGNAL_NAMES",
    "STRUCTURAL_SIGNALS",
    "SWEPT_THRESHOLDS",
    "TRIAGE_COLUMNS",
    "ShortList",
    "SignalCandidates",
    "below_materiality",
    "channel_dependency",
    "early_warnings",
    "flagged_partners",
    "headline",
    "key_talent_loss",
    "line_card_change",
    "lost_customer",
    "material",
    "moved_customers",
    "moved_fixed_thresholds",
    "our_sales_change",
    "partner_reports",
    "partner_table",
    "partner_total_sales_change",
    "partner_volatility",
    "resolve_thresholds",
    "service_metrics",
    "severity_rules",
    "short_list",
    "signal_candidates",
    "stack_signals",
    "trailing_partner_revenue",
    "triage",
    "triaged_warnings",
    "warnings_at",
    "win_loss_deals",
]
