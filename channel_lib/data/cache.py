"""The dataset cache: what is computed once per :class:`~channel_lib.data.dataset.Dataset`.

Every :class:`Dataset` holds one :class:`DatasetCache` (``ds.cache``), created with it and
never shared with another dataset (not even one made by :func:`dataclasses.replace`). Code that
derives something from a dataset and wants to compute it only once (the pandas copy of a table,
the metrics cube's tables, an analysis's memo) keeps it here under a key of its own, instead of
writing attributes onto the dataset.

Keys are any hashable value; a module uses its own (a string naming it, or a tuple starting with
one) so that two modules never read each other's entries.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class DatasetCache:
    """Values computed once per dataset, by key.

    Examples
    --------
    >>> cache = DatasetCache()
    >>> cache.get("answer", lambda: 6 * 7)
    42
    >>> cache.get("answer", lambda: 0)  # built once: the first value stays
    42
    >>> "answer" in cache, len(cache)
    (True, 1)
    >>> cache.pop("answer"), "answer" in cache
    (42, False)
    >>> cache.put("tables", {"partner": "t1"}); cache.get("tables", dict)["partner"]
    't1'
    >>> cache.clear(); len(cache)
    0
    """

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value under ``key``; the first time, ``build()`` makes it and it is kept.

        Parameters
        ----------
        key : hashable
            The entry's name (a module's own string, or a tuple starting with one).
        build : callable
            Called without arguments when ``key`` has no value yet; its result is kept and
            returned (the same object on every later call). When it raises, nothing is kept.

        Returns
        -------
        object
            The kept value.
        """
        if key not in self._values:
            self._values[key] = build()
        return self._values[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key``, replacing any value there (e.g. one read from disk)."""
        self._values[key] = value

    def pop(self, key: Hashable, default: Any = None) -> Any:
        """Forget the value under ``key`` and return it (``default`` when there is none)."""
        return self._values.pop(key, default)

    def clear(self) -> None:
        """Forget every value: each is built again on its next :meth:`get`."""
        self._values.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"DatasetCache({len(self._values)} entries)"


__all__ = ["DatasetCache"]
