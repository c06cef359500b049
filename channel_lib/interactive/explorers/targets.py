"""The target explorer of notebook 02: method and blend weights → the targets re-split live.

:class:`TargetExplorer` — pick the target method and move the blend weights; the objective is
re-split over the channels (and their partners) live, and the targets still sum to the objective
to the cent. :meth:`TargetExplorer.save` writes the chosen targets to the plans folder. The
target bases (run rates, trend forecasts, role weights, partner potential) come from the plan.

Everything expensive is computed once, on first use, so moving a control only re-weights or
re-runs the allocator; in batch mode (papermill) nothing is computed at all: the report shows the
controls' defaults (:meth:`channel_lib.interactive.explorers.core.Explorer.show`).

Tables show whole currency units that add up exactly to their Total row
(:func:`channel_lib.interactive.explorers.core.whole_units`); they carry the CSS class
``cw-table`` and a caption naming them ("targets", "allocation"), which the browser tests read.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from channel_lib.analysis import targets
from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.money import MoneyUnit
from channel_lib.data.workbook import Workbook
from channel_lib.interactive.explorers.controls import slider
from channel_lib.interactive.explorers.core import (
    DEFAULT_WAIT,
    Explorer,
    complete_values,
    whole_units,
)
from channel_lib.interactive.explorers.filters import ALL, choice_filter, keep
from channel_lib.interactive.explorers.saving import plans_folder
from channel_lib.presentation.html import markdown, table

__all__ = [
    "PARTNER_ROWS",
    "TargetExplorer",
    "TargetResult",
]

#: Partner rows the target explorer shows (largest targets first, after the filters).
PARTNER_ROWS = 15
#: Columns of :attr:`TargetResult.channels`.
_CHANNEL_COLUMNS = [
    "channel_id", "channel_name", "role", "run_rate", "share", "revenue_target_exact",
    "revenue_target", "growth", "gross_profit_target_exact",
]  # fmt: skip


def _weights_text(weights: Mapping[str, float]) -> str:
    return ", ".join(f"{m} {w:.0%}" for m, w in weights.items() if w > 0)


@dataclass
class TargetResult:
    """What :meth:`TargetExplorer.compute` returns.

    Attributes
    ----------
    method : str
        The chosen method.
    weights : dict of str to float
        Blend weights after normalising (sum 1), one per base method.
    objective_exact : int
        The revenue objective (exact units of the dataset's money, :attr:`money`).
    channels : DataFrame
        One row per channel: ``channel_id``, ``channel_name``, ``role``, ``share`` (fraction),
        ``run_rate`` (currency a year), ``revenue_target_exact`` (int64, sums to the objective
        exactly), ``revenue_target`` (currency), ``growth`` (target ÷ run rate − 1),
        ``gross_profit_target_exact`` (sums to the gross-profit objective; 0 when managing for
        revenue only).
    methods : DataFrame
        :func:`channel_lib.analysis.targets.allocate_channels` for these weights, with ``chosen``.
    partners : DataFrame
        Partner targets after the filters: ``channel_id``, ``partner_id``, ``partner_name``,
        ``region``, ``tier``, ``basis``, ``revenue_target_exact``, ``revenue_target``.
    message : str
        Why nothing could be computed (all blend weights zero); empty when it could.
    money : MoneyUnit
        The dataset's money unit (``ds.money``) the ``*_exact`` columns count.
    """

    method: str
    weights: dict[str, float]
    objective_exact: int
    channels: pd.DataFrame = field(default_factory=pd.DataFrame)
    methods: pd.DataFrame = field(default_factory=pd.DataFrame)
    partners: pd.DataFrame = field(default_factory=pd.DataFrame)
    message: str = ""
    money: MoneyUnit = field(default_factory=MoneyUnit)

    @property
    def ok(self) -> bool:
        """Whether targets were computed (``False``: see :attr:`message`)."""
        return not self.message

    def target_exact(self) -> dict[str, int]:
        """Channel → annual revenue target (exact units)."""
        return dict(
            zip(
                self.channels["channel_id"],
                self.channels["revenue_target_exact"].astype(int),
                strict=True,
            )
        )

    def display_table(self) -> pd.DataFrame:
        """The channel targets in whole currency units with a Total row; the shown targets add up
        exactly to the shown objective (and gross-profit targets to theirs)."""
        ch = self.channels
        shown = pd.DataFrame(
            {
                "channel_id": ch["channel_id"].astype(str),
                "channel_name": ch["channel_name"].astype(str),
                "role": ch["role"].astype(str),
                "share": ch["share"].astype(float),
                "revenue_target": whole_units(
                    self.money.amount(ch["revenue_target_exact"]),
                    self.money.amount(self.objective_exact),
                ),
                "growth": ch["growth"].astype(float),
            }
        )
        gp_total = int(ch["gross_profit_target_exact"].sum())
        if gp_total:
            shown["gross_profit_target"] = whole_units(
                self.money.amount(ch["gross_profit_target_exact"]), self.money.amount(gp_total)
            )
        run_rate = float(ch["run_rate"].sum())
        total = {
            "channel_id": "Total",
            "channel_name": "",
            "role": "",
            "share": 1.0,
            "revenue_target": int(shown["revenue_target"].sum()),
            "growth": self.money.amount(self.objective_exact) / run_rate - 1
            if run_rate > 0
            else math.nan,
        }
        if gp_total:
            total["gross_profit_target"] = int(shown["gross_profit_target"].sum())
        return pd.concat([shown, pd.DataFrame([total])], ignore_index=True)


class TargetExplorer(Explorer):
    """Target method and blend weights, re-splitting the year's revenue objective live.

    Parameters
    ----------
    wb : Workbook
    settings : TargetSettings
        From :func:`channel_lib.analysis.targets.open_target_setting` (its method and blend weights are
        the controls' starting values).
    plan : TargetPlan, optional
        The plan the notebook already computed for ``settings``
        (:func:`channel_lib.analysis.targets.set_targets`); without it the explorer computes it on first
        use (about a second on the sample; never in batch mode).
    wait : float
        Debounce quiet time in seconds.

    Notes
    -----
    The per-channel bases of the four methods (run rate, trend forecast, run rate × role weight,
    potential) and each partner's weight within its channel come from the plan and are not
    recomputed: a control change runs :func:`channel_lib.analysis.targets.allocate_channels` with the new
    weights and re-apportions every channel's target over its partners
    (:func:`channel_lib.analysis.targets.apportion_steps`, whole minor units of the currency),
    exactly as
    :func:`channel_lib.analysis.targets.set_targets` would for the same weights.

    Examples
    --------
    >>> from channel_lib import targets
    >>> wb, s = targets.open_target_setting("tests/data/tiny", "FY2025-Q4", "/tmp/cw-doctest-plans")
    >>> r = TargetExplorer(wb, s).compute(method="blend", history=1, trend=1, role=0, potential=0)
    >>> int(r.channels["revenue_target_exact"].sum()) == s.revenue_objective_exact
    True
    """

    title = "Explore the targets"
    intro = (
        "Choose the method and move the blend weights (they are normalised to sum to 1): the "
        "objective is split again and the channel targets still add up to it."
    )
    labels: Mapping[str, str] = {
        "method": "Method",
        "history": "Weight: history",
        "trend": "Weight: trend",
        "role": "Weight: role",
        "potential": "Weight: potential",
        "channel": "Partners of channel",
        "region": "Partner region",
        "tier": "Partner tier",
    }
    notebook = "02_target_setting.ipynb"

    def parameter_values(self) -> dict[str, Any]:
        """Notebook 02's ``year``, ``method`` and (for a blend) ``blend_weights``, normalised to
        sum to 1 as the notebook asks (4 places; the largest takes the rounding)."""
        v = self.values()
        out: dict[str, Any] = {"year": self.settings.year, "method": v["method"]}
        weights = {m: float(v[m]) for m in targets.BASE_METHODS}
        total = sum(weights.values())
        if v["method"] == "blend" and total > 0:
            shares = {m: round(w / total, 4) for m, w in weights.items()}
            top = max(shares, key=lambda m: shares[m])
            shares[top] = round(shares[top] + 1.0 - sum(shares.values()), 4)
            out["blend_weights"] = shares
        return out

    groups: Sequence[tuple[str, Sequence[str]]] = (
        ("Method and blend weights", ("method", *targets.BASE_METHODS)),
        ("Filters (partner split)", ("channel", "region", "tier")),
    )

    def __init__(
        self,
        wb: Workbook,
        settings: targets.TargetSettings,
        *,
        plan: targets.TargetPlan | None = None,
        wait: float = DEFAULT_WAIT,
    ) -> None:
        self.wb = wb
        self.settings = settings
        if plan is not None:
            mine, theirs = settings, plan.settings
            differ = [
                name
                for name in ("year", "basis_quarters", "channels", "revenue_objective_exact",
                             "gross_profit_objective_exact")
                if getattr(mine, name) != getattr(theirs, name)
            ]  # fmt: skip
            if differ:
                raise ParameterError(
                    f"plan was computed for other settings ({', '.join(differ)} differ); pass "
                    "the plan that targets.set_targets(wb, settings) returned, or none"
                )
        self._plan = plan
        super().__init__(wait=wait)

    # -- the bases, once ----------------------------------------------------------------------------
    @property
    def plan(self) -> targets.TargetPlan:
        """The plan holding the bases (computed on first use when not passed)."""
        if self._plan is None:
            self._plan = targets.set_targets(self.wb, self.settings)
        return self._plan

    @cached_property
    def _partners(self) -> pd.DataFrame:
        """Every partner row of the plan with its weight, region and tier."""
        p = self.plan.partners[
            ["channel_id", "partner_id", "partner_name", "basis", "weight"]
        ].copy()
        ds = self.wb.dataset
        if ds.has("partners"):
            info = ds.table("partners").set_index("partner_id")
            for col in ("region", "tier"):
                if col in info.columns:
                    p[col] = (
                        p["partner_id"].map(info[col].astype("string").to_dict()).astype("string")
                    )
        for col in ("region", "tier"):
            if col not in p.columns:
                p[col] = pd.Series(pd.NA, index=p.index, dtype="string")
        return p.reset_index(drop=True)

    @cached_property
    def _partner_groups(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Per channel: its id, the row positions of its partners and their weights."""
        p = self._partners
        return [
            (str(c), idx.to_numpy(), p.loc[idx, "weight"].to_numpy(dtype="float64"))
            for c, idx in p.groupby("channel_id", sort=False).groups.items()
        ]

    # -- Explorer -----------------------------------------------------------------------------------
    def initial_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"method": self.settings.method}
        values.update(
            {m: float(self.settings.blend_weights.get(m, 0.0)) for m in targets.BASE_METHODS}
        )
        values.update({"channel": ALL, "region": ALL, "tier": ALL})
        return values

    def build_controls(self) -> dict[str, Any]:
        import ipywidgets as w

        style = {"description_width": "initial"}
        controls: dict[str, Any] = {
            "method": w.Dropdown(
                description=self.labels["method"], options=list(targets.METHODS),
                value=self.initial["method"], style=style,
            ),
        }  # fmt: skip
        for m in targets.BASE_METHODS:
            controls[m] = slider(self.labels[m], value=self.initial[m], min=0.0, max=1.0,
                                 step=0.05, readout_format=".2f")  # fmt: skip
        p = self._partners
        controls["channel"] = choice_filter(self.labels["channel"], p["channel_id"])
        controls["region"] = choice_filter(self.labels["region"], p["region"])
        controls["tier"] = choice_filter(self.labels["tier"], p["tier"])
        for c in controls.values():
            if c.description:  # the pickers; a slider's label is above it
                c.style = style
        return controls

    def compute(self, **values: Any) -> TargetResult:
        """Channel and partner targets for a method and (unnormalised) blend weights.

        Parameters
        ----------
        **values
            Any of the controls by name; one left out keeps its current value (the starting
            value before any widget exists):

            - ``method`` : {"history", "trend", "role", "potential", "blend"};
            - ``history``, ``trend``, ``role``, ``potential`` : float — blend weights, ≥ 0 (any
              scale: they are normalised to sum to 1). All zero with ``method="blend"``: the
              result carries a message instead of targets;
            - ``channel``, ``region``, ``tier`` : str — filters of the partner table (``"(all)"``
              keeps every partner).

        Returns
        -------
        TargetResult

        Raises
        ------
        ParameterError
            For an unknown control, method or a negative weight.
        """
        v = complete_values(self, values)
        method = v["method"]
        history, trend, role, potential = (v[m] for m in targets.BASE_METHODS)
        channel, region, tier = v["channel"], v["region"], v["tier"]
        if method not in targets.METHODS:
            raise ParameterError(
                f"method={method!r} is unknown; use one of {', '.join(targets.METHODS)}"
            )
        raw = {"history": history, "trend": trend, "role": role, "potential": potential}
        bad = {
            m: v
            for m, v in raw.items()
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0)
        }
        if bad:
            raise ParameterError(f"blend weights must be numbers ≥ 0, got {bad}")
        total = float(sum(raw.values()))
        s = self.settings
        if total <= 0:
            if method == "blend":
                return TargetResult(
                    method=method, weights=dict.fromkeys(raw, 0.0),
                    objective_exact=s.revenue_objective_exact, money=s.money,
                    message="All four blend weights are 0, so the blend has nothing to mix: move "
                    "at least one weight slider above 0 (or choose another method).",
                )  # fmt: skip
            weights = dict(targets.DEFAULT_BLEND)  # the blend column only; not the chosen method
        else:
            weights = {m: float(v) / total for m, v in raw.items()}
        plan = self.plan
        methods = targets.allocate_channels(
            plan.basis, s.revenue_objective_exact, blend_weights=weights, money=s.money
        )
        if total <= 0:
            methods = methods[methods["method"] != "blend"].reset_index(drop=True)
        methods["chosen"] = methods["method"] == method
        # the chosen method's channel targets, as set_targets makes them
        ch = targets.channel_targets(plan.basis, methods, s)
        ch["channel_id"] = ch["channel_id"].astype(str)
        chosen = methods[methods["chosen"]].set_index("channel_id")
        ch["share"] = ch["channel_id"].map(chosen["share"]).astype("float64")
        ch = ch[_CHANNEL_COLUMNS]
        return TargetResult(
            method=method, weights=weights if total > 0 else dict.fromkeys(raw, 0.0),
            objective_exact=s.revenue_objective_exact, money=s.money, channels=ch,
            methods=methods, partners=self._partner_targets(ch, channel, region, tier),
        )  # fmt: skip

    def _partner_targets(
        self, ch: pd.DataFrame, channel: str, region: str, tier: str
    ) -> pd.DataFrame:
        """Each channel's target over its partners by the plan's weights (as set_targets does)."""
        p = self._partners
        money = self.settings.money
        parts = np.zeros(len(p), dtype="int64")
        target = dict(zip(ch["channel_id"], ch["revenue_target_exact"], strict=True))
        for c, rows, weights in self._partner_groups:
            parts[rows] = targets.apportion_steps(
                int(target.get(c, 0)), weights, step=money.minor_step
            )
        out = p.drop(columns="weight").assign(revenue_target_exact=parts)
        out["revenue_target"] = money.amount(out["revenue_target_exact"])
        if region != ALL or tier != ALL:
            out = out[out["partner_id"].notna()]
        return keep(out, {"channel_id": channel, "region": region, "tier": tier})

    def render(self, result: TargetResult) -> list[Any]:
        from channel_lib.presentation.pages import target_setting as page

        s = self.settings
        cur = self.wb.dataset.goals.currency
        if not result.ok:
            return [markdown("**{message}**", message=result.message)]
        how = (
            f"blend of {_weights_text(result.weights)} (weights normalised to sum to 1)"
            if result.method == "blend"
            else result.method
        )
        shown = result.display_table()
        head = markdown(
            "{year} revenue objective{proposed} **{objective} {cur}**, split by **{how}**.",
            year=s.year, proposed=" (proposed: no goals for the year)" if s.proposal else "", objective=f"{int(shown['revenue_target'].iloc[-1]):,}", cur=cur, how=how,
        )  # fmt: skip
        chart = page.methods_chart(self.wb, result.methods, s.year, chosen=result.method)
        money = page.MONEY
        formats = {"share": "{:.1%}", "revenue_target": money, "growth": "{:+.1%}"}
        if "gross_profit_target" in shown:
            formats["gross_profit_target"] = money
        channel_table = table(
            shown, formats=formats,
            caption=f"Channel revenue targets, {s.year} ({result.method}), whole {cur}: they add "
            "up to the objective in the Total row",
        )  # fmt: skip
        p = result.partners
        reason = page.no_partner_reason(self.wb, self.plan)
        if reason is not None:
            partner_table = markdown("*{reason}*", reason=reason)
        elif p.empty:
            partner_table = markdown("*No partner matches the filters.*")
        else:
            cols = ["channel_id", "partner_id", "partner_name", "region", "tier", "basis"]
            top = p.nlargest(PARTNER_ROWS, "revenue_target_exact")
            top = top[cols].astype("string").fillna("").assign(revenue_target=top["revenue_target"])
            partner_table = table(
                top,
                formats={"revenue_target": money},
                caption=f"Partner split, {s.year}: the {len(top)} largest annual revenue "
                f"shares of the {len(p)} partner rows the filters keep (whole {cur})",
            )  # fmt: skip
        return [head, chart, channel_table, partner_table]

    # -- saving -------------------------------------------------------------------------------------
    def chosen_settings(self, values: Mapping[str, Any] | None = None) -> targets.TargetSettings:
        """The settings with the controls' method and normalised blend weights."""
        v = dict(self.values() if values is None else values)
        raw = {m: float(v.get(m, 0.0)) for m in targets.BASE_METHODS}
        total = sum(raw.values())
        if total <= 0:
            if v.get("method") == "blend":
                raise ParameterError(
                    "all four blend weights are 0: set at least one above 0 before saving a blend"
                )
            weights = dict(self.settings.blend_weights)
        else:
            weights = {m: w / total for m, w in raw.items()}
        return dataclasses.replace(self.settings, method=str(v["method"]), blend_weights=weights)

    def save(self, plans_dir: str | Path | None = None, *, overwrite: bool = False) -> str:
        """Write the chosen targets (channel and partner, by quarter) to the plans folder as a
        proposal (``status`` proposed): reports keep measuring the official or approved targets
        until ``channel-workbook targets approve YEAR --by NAME`` approves it.

        Parameters
        ----------
        plans_dir : str or Path, optional
            The plans folder (default: the workbook's); never the dataset folder.
        overwrite : bool
            Replace targets already saved for the year's quarters (default: keep them and say so).

        Returns
        -------
        str
            One sentence: written as a proposal (and how to approve it), replaced, or kept (and
            how to replace it).

        Raises
        ------
        ParameterError
            For a plans folder inside the dataset folder, or a blend with all weights 0.

        Notes
        -----
        The plan is rebuilt by :func:`channel_lib.analysis.targets.set_targets` for the chosen method and
        weights (quarterly phasing and partner × quarter grids included) and written by
        :func:`channel_lib.analysis.targets.save_plan` (temporary file + ``os.replace``); the
        sentence is the notebook's (:func:`channel_lib.presentation.pages.target_setting.
        save_sentence`).
        """
        from channel_lib.presentation.pages import target_setting as page

        plans = plans_folder(self.wb, plans_dir)
        settings = self.chosen_settings()
        plan = targets.set_targets(self.wb, settings)
        shown = self.compute(**self.values()).target_exact()
        saved = dict(
            zip(
                plan.channels["channel_id"].astype(str),
                plan.channels["revenue_target_exact"].astype(int),
                strict=True,
            )
        )
        if saved != shown:  # pragma: no cover - the same allocation on the same bases
            raise ChannelLibError(
                "the rebuilt plan's channel targets differ from the explorer's; nothing was "
                "written. Please report this."
            )
        outcome = targets.save_plan(plan, plans, write_plan=True, overwrite=overwrite)
        return page.save_sentence(outcome)
