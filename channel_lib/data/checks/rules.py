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


__all__ = ["check_rules"]
