"""What ``goals.yaml`` names must exist: its channels in ``channels.csv``, its currency as a code.

A typo in a channel id of ``goals.yaml`` (``DIRR`` for ``DIR``) would otherwise be accepted, and the
channel ``DIR`` would just show "no role declared".
"""

from __future__ import annotations

import re

import yaml

from channel_lib.core.errors import near_name, shorten
from channel_lib.data.contract import GOALS_FILE
from channel_lib.data.goals import Goals
from channel_lib.data.load_state import LoadState


def check_goal_channels(state: LoadState, goals: Goals, root: yaml.Node | None) -> None:
    """Report each channel id under ``years.<FY>.channels`` that ``channels.csv`` lacks.

    Parameters
    ----------
    state : LoadState
        The load (``channels`` must be loaded, else nothing is checked: its file's problems
        are reported already).
    goals : Goals
        ``goals.yaml`` as read.
    root : yaml.Node or None
        ``goals.yaml``'s node tree, for the line of each id (``None``: no lines).
    """
    if "channels" not in state.loaded:
        return
    known = sorted(
        v for (v,) in state.con.execute(
            "SELECT DISTINCT CAST(channel_id AS VARCHAR) FROM channels WHERE channel_id IS NOT NULL"
        ).fetchall()
    )  # fmt: skip
    channels_file = state.shown_as.get(state.files["channels"].name, state.files["channels"].name)
    for label, year in goals.years.items():
        for cid in year.channels:
            if cid in known:
                continue
            near = near_name(cid, [k for k in known if k not in year.channels])
            state.problem(
                GOALS_FILE, shorten(f"years.{label}.channels.{cid}"),
                _key_line(root, ("years", label, "channels", cid)), cid,
                f"not a channel_id of {channels_file}; "
                + (f"rename it to '{shorten(near)}'" if near
                   else f"use one of {shorten(', '.join(known))}")
                + f" (or add the channel to {channels_file})",
            )  # fmt: skip


def check_goal_currency(state: LoadState, goals: Goals, root: yaml.Node | None) -> bool:
    """Whether goals.yaml's currency is a three-letter code (ISO 4217: USD, EUR, JPY).

    Otherwise a problem naming the line (the value shown shortened): the currency is printed
    in headings and notes, so a 20 MB string must not get that far.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> state = SimpleNamespace(problems=[], problem=lambda *a: state.problems.append(a))
    >>> check_goal_currency(state, SimpleNamespace(currency="EUR"), None)
    True
    >>> check_goal_currency(state, SimpleNamespace(currency="EURO"), None), state.problems[0][3]
    (False, 'EURO')
    """
    if re.fullmatch(r"[A-Za-z]{3}", goals.currency.strip()):
        return True
    state.problem(
        GOALS_FILE, "currency", _key_line(root, ("currency",)), goals.currency,
        "must be a three-letter currency code (ISO 4217), e.g. 'currency: USD'",
    )  # fmt: skip
    return False


def _key_line(root: yaml.Node | None, path: tuple[str, ...]) -> int | None:
    """Line of the key at ``path`` in a YAML node tree (``None`` when not found)."""
    node, line = root, None
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            return line
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and str(k.value) == key:
                node, line = v, k.start_mark.line + 1
                break
        else:
            return line
    return line


__all__ = ["check_goal_channels", "check_goal_currency"]
