"""The dataset cache: what is computed once per :class:`~channel_lib.data.dataset.Dataset`.

Every :class:`Dataset` holds one :class:`DatasetCache` (``ds.cache``), created with it and
never shared with another dataset (not even one made by :func:`dataclasses.replace`). Code that
derives something from a dataset and wants to compute it only once (the pandas copy of a table,
the metrics cube's tables, an analysis's memo) keeps it here under a key of its own, instead of
writing attributes onto the dataset.

Keys are any hashable value; a module uses its own (a string naming it, or a tuple starting with
one) so that two modules never read each other's entries.

One value outlives its dataset on purpose: what every partner pack of a batch quarter filters
(the company's signals, exceptions, attainment). A warm kernel runs many packs, each on a new
``Dataset`` of the same files, so those values live in :data:`SHARED`, a
:class:`SharedCache` of the process keyed by the files' checksums, bounded and least recently
used first out. These two objects are the workbook's only caches.
"""

from __future__ import annotations

from collections import OrderedDict
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


class SharedCache:
    """Values shared by every dataset of the same files in one process, least recently used
    dropped first once more than ``size`` are kept.

    A key must name the files it was computed from (their checksums) and everything else it
    depends on, since datasets of other files share the cache.

    Examples
    --------
    >>> shared = SharedCache(size=2)
    >>> [shared.get(k, lambda k=k: k * 10) for k in (1, 2, 1, 3)]
    [10, 20, 10, 30]
    >>> 2 in shared, 1 in shared, len(shared)  # 2 was the least recently used
    (False, True, 2)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value under ``key``, built by ``build()`` the first time (see the class)."""
        if key not in self._values:
            self._values[key] = build()
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        self._values.move_to_end(key)
        return self._values[key]

    def clear(self) -> None:
        """Forget every value."""
        self._values.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)


#: The process's shared cache: a batch quarter uses about ten entries (findings, attainment of
#: five quarters, partner rows of two spans, reports).
SHARED = SharedCache(size=64)

__all__ = ["SHARED", "DatasetCache", "SharedCache"]
