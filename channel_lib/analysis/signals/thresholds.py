"""The signal thresholds: ``goals.yaml``'s ``signals:`` with a notebook's or an explorer's
values in their place, each checked.
"""

from __future__ import annotations

from dataclasses import fields, replace

from channel_lib.core.errors import ParameterError
from channel_lib.data.goals import SignalThresholds
from channel_lib.data.loader import Dataset


# -- thresholds -------------------------------------------------------------------------------------
def resolve_thresholds(ds: Dataset, **overrides: float | int | None) -> SignalThresholds:
    """The dataset's thresholds (``goals.yaml`` ``signals:``) with the given ones replaced.

    Parameters
    ----------
    ds : Dataset
    **overrides
        Any field of :class:`~channel_lib.data.goals.SignalThresholds`; ``None`` (or the string
        ``"goals"``) keeps the value of ``goals.yaml``.

    Returns
    -------
    SignalThresholds

    Raises
    ------
    ParameterError
        For an unknown name or a negative value.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> th = resolve_thresholds(load_dataset("tests/data/tiny"), our_sales_change=0.12, csat_min=None)
    >>> th.our_sales_change, th.csat_min, th.win_loss_amount
    (0.12, 4.0, 300000)
    """
    known = {f.name for f in fields(SignalThresholds)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ParameterError(
            f"unknown signal threshold {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    values = {}
    for name, value in overrides.items():
        if value is None or value == "goals":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ParameterError(
                f"threshold {name}={value!r}: a number ≥ 0, or None for the goals.yaml value"
            )
        values[name] = value
    return replace(ds.goals.signals, **values)


def _pick(ds: Dataset, name: str, value: float | int | None) -> float:
    return float(resolve_thresholds(ds, **{name: value}).__getattribute__(name))
