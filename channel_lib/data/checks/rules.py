"""Rules that span columns of one table (signs of a sales line, a closed deal's date, ...)."""

from __future__ import annotations

from channel_lib.data.contract import TABLES
from channel_lib.data.dataset import SALES_SUMMARY
from channel_lib.data.load_state import LoadState


def check_rules(state: LoadState) -> None:
    """Rules that span columns of one table."""
    if "sales" in state.loaded:
        state.report_rows(
            TABLES["sales"],
            "quantity",
            "SELECT rowid, quantity || ' / ' || revenue FROM sales "
            "WHERE sign(quantity) * sign(revenue) < 0 ORDER BY rowid",
            "quantity and revenue have opposite signs; a credit note has both negative",
            state.con.execute(
                f"SELECT CAST(coalesce(sum(opposite_signs), 0) AS BIGINT) FROM {SALES_SUMMARY}"
            ).fetchall()[0][0],
        )
        check_currency(state)
    if "opportunities" in state.loaded:
        state.report_rows(
            TABLES["opportunities"],
            "close_date",
            "SELECT rowid, outcome FROM opportunities "
            "WHERE outcome IN ('won', 'lost') AND close_date IS NULL ORDER BY rowid",
            "a won or lost deal needs its close_date",
        )
    if "partner_changes" in state.loaded and "channels" in state.loaded:
        state.report_rows(
            TABLES["partner_changes"],
            "new_value",
            "SELECT p.rowid, p.new_value FROM partner_changes p "
            "ANTI JOIN channels c ON p.new_value = c.channel_id WHERE p.field = 'channel_id' ORDER BY p.rowid",
            "unknown channel_id: not in channels; a channel change must name an existing channel",
        )


def check_currency(state: LoadState) -> None:
    """The sales' ``currency`` column, when there is one, holds one value: goals.yaml's currency.

    The contract holds one currency (every amount is summed with every other): a column
    (extra, or mapped in ``mapping.yaml``) holding more than one is a problem naming its
    values and the first line of the second; one value other than ``goals.yaml``'s is a
    problem too (compared without case or surrounding spaces; empty cells are not counted).
    """
    if "currency" not in state.columns("sales"):
        return
    value = "upper(trim(CAST(currency AS VARCHAR)))"
    found = state.con.execute(
        f"SELECT {value} AS v, count(*), min(rowid) FROM sales "
        f"WHERE currency IS NOT NULL AND {value} <> '' GROUP BY v ORDER BY min(rowid)"
    ).fetchall()
    file = state.files["sales"].name
    if len(found) > 1:
        listed = ", ".join(f"{v} ({n:,} lines)" for v, n, _ in found[:10])
        state.problem(
            file, "currency", state.line("sales", found[1][2]), listed,
            f"the column holds {len(found)} currencies ({listed}); the contract holds one "
            "currency; split the export by currency, one dataset folder each",
        )  # fmt: skip
    elif found and state.currency is not None and found[0][0] != state.currency.strip().upper():
        state.problem(
            file, "currency", state.line("sales", found[0][2]), found[0][0],
            f"the sales are in {found[0][0]} but goals.yaml's currency is {state.currency}; "
            f"write currency: {found[0][0]} in goals.yaml, or load the export of "
            f"{state.currency}",
        )  # fmt: skip


__all__ = ["check_currency", "check_rules"]
