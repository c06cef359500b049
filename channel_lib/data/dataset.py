"""The validated dataset: its folder, goals, files and the DuckDB connection holding its tables."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from channel_lib.core.calendar import FiscalCalendar
from channel_lib.core.money import MoneyUnit
from channel_lib.data.cache import DatasetCache
from channel_lib.data.contract import GOALS_FILE, TABLES
from channel_lib.data.goals import Goals
from channel_lib.data.mapping import MAPPING_FILE

#: The sales summed by month, channel, partner and product, as the loader leaves it in
#: :attr:`Dataset.sales_summary` (exact sums: decimal money, and the quantity also as a decimal
#: with 4 places for the list value, which the metrics cube multiplies by one price a product).
SALES_SUMMARY_SQL = """
    SELECT date_trunc('month', order_date) AS month, channel_id, partner_id, product_id,
           count(*) AS lines, sum(quantity) AS quantity, sum(revenue) AS revenue,
           sum(cost_of_sales) AS cost_of_sales,
           sum(CAST(quantity AS DECIMAL(18, 4))) AS quantity_4,
           -- lines breaking the sign rule (checked by the loader); CASE, not FILTER (faster)
           sum(CASE WHEN sign(quantity) * sign(revenue) < 0 THEN 1 ELSE 0 END) AS opposite_signs
    FROM sales GROUP BY ALL"""
#: The temporary table of :data:`SALES_SUMMARY_SQL` in the dataset's connection.
SALES_SUMMARY = "_sales_summary"
#: Keys of the dataset's own entries in its cache.
_TABLE_FRAME = "dataset.table"
_CHECKSUMS = "dataset.checksums"


@dataclass
class Dataset:
    """A validated dataset folder.

    Attributes
    ----------
    folder : Path
        The dataset folder (read only).
    goals : Goals
        Parsed ``goals.yaml``.
    files : dict of str to Path
        Table name → the file it was read from, for the tables present.
    con : duckdb.DuckDBPyConnection
        In-memory DuckDB holding every table, typed (``sales`` stays here; analyses aggregate it in
        SQL and receive tidy pandas frames). A table read from CSV is copied in; a table read from
        Parquet is a view over its file (typed by casts), so queries read the file itself: replace
        the file only between loads.
    cache : DatasetCache
        What is computed once for this dataset. Code deriving something from the dataset keeps
        it here under a key of its own (``ds.cache.get(("alignment.quarterly", quarter),
        build)``) rather than setting attributes on the dataset.
    """

    folder: Path
    goals: Goals
    files: dict[str, Path]
    con: duckdb.DuckDBPyConnection = field(repr=False)
    #: Temporary table in ``con`` of the sales summed by month, channel, partner and product
    #: (:data:`SALES_SUMMARY_SQL`), left by the loader's checks for the metrics cube; ``None``
    #: when the dataset did not come from :func:`~channel_lib.data.loader.load_dataset`.
    sales_summary: str | None = field(default=None, repr=False)
    #: SHA-256 of every input file when already known (a prepared dataset records the checksums
    #: it was prepared from); ``None``: :attr:`checksums` hashes the files on first use.
    known_checksums: dict[str, str] | None = field(default=None, repr=False)
    load_notes: tuple[str, ...] = field(default=(), repr=False)
    #: What is computed once for this dataset (table frames, checksums, the metrics cube, ...):
    #: see :class:`~channel_lib.data.cache.DatasetCache`. Created with the dataset, never shared
    #: (:func:`dataclasses.replace` makes a fresh one).
    cache: DatasetCache = field(default_factory=DatasetCache, init=False, repr=False, compare=False)
    #: Tables whose names are pseudonyms in this dataset (``("customers", "partners")`` or part
    #: of it; :func:`channel_lib.data.pseudonyms.apply_pseudonyms`); empty: the real names.
    pseudonyms: tuple[str, ...] = field(default=(), repr=False)

    # -- what is there ------------------------------------------------------------------------------
    @property
    def calendar(self) -> FiscalCalendar:
        """The fiscal calendar from ``goals.yaml``."""
        return self.goals.calendar

    @property
    def money(self) -> MoneyUnit:
        """The money unit of the ``*_exact`` amounts (currency and ``money_decimals`` of
        ``goals.yaml``): ``ds.money.amount(frame["revenue_exact"])`` is revenue in currency."""
        return self.goals.money

    def has(self, table: str) -> bool:
        """Whether the folder holds ``table`` (an optional file may be missing)."""
        return table in self.files

    @property
    def missing_optional(self) -> dict[str, tuple[str, ...]]:
        """Missing optional file → the analyses it disables."""
        return {
            f"{t.name}.csv": t.disables
            for t in TABLES.values()
            if not t.required and t.name not in self.files and t.disables
        }

    def missing_note(self, table: str) -> str:
        """A plain sentence for a report section that needs ``table`` when it is missing (the
        folder named by its last part: a report never prints the machine's path)."""
        spec = TABLES[table]
        return (
            f"This section needs {table}.csv (or .parquet, .xlsx), which is not in the dataset "
            f"folder ({self.folder.name}); without it the workbook cannot show: "
            f"{', '.join(spec.disables)}. Add the file (columns: "
            f"{', '.join(c.name for c in spec.columns)}) to enable it."
        )

    def first_missing_note(self, *tables: str) -> str | None:
        """:meth:`missing_note` of the first of ``tables`` the dataset does not have, or ``None``
        when it has them all (a section that needs several optional files says why it is empty).

        Examples
        --------
        >>> from channel_lib import load_dataset
        >>> load_dataset("tests/data/tiny").first_missing_note("partners", "targets") is None
        True
        """
        return next((self.missing_note(t) for t in tables if not self.has(t)), None)

    # -- reading --------------------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """A table as a pandas DataFrame (cached; the sales table is large — prefer :meth:`sql`)."""
        key = (_TABLE_FRAME, name)
        if key not in self.cache and name not in self.files:
            raise KeyError(f"{name} is not in the dataset; {self.missing_note(name)}")
        return self.cache.get(key, lambda: self.con.table(name).df())

    def forget_table(self, name: str) -> None:
        """Drop the cached frame of ``name`` (after its table in :attr:`con` was replaced)."""
        self.cache.pop((_TABLE_FRAME, name))

    def sql(self, query: str, params: Iterable | dict | None = None) -> pd.DataFrame:
        """Run a DuckDB query over the dataset's tables and return a DataFrame."""
        return self.con.execute(query, params).df()

    @property
    def checksums(self) -> dict[str, str]:
        """SHA-256 of every input file (goals included), for caches and the report manifest.

        :attr:`known_checksums` when given, else hashed from the files once (kept in
        :attr:`cache`). A dataset showing pseudonyms (:attr:`pseudonyms`) has one entry more,
        ``pseudonyms``: the SHA-256 of the pseudonyms shown
        (:func:`channel_lib.data.pseudonyms.apply_pseudonyms`), so that no cache keyed by the
        checksums mixes real names and pseudonyms.
        """
        if self.known_checksums is not None:
            return self.known_checksums
        return self.cache.get(_CHECKSUMS, self._hash_inputs)

    def input_paths(self) -> list[Path]:
        """Every file the dataset was read from: the tables' files, ``goals.yaml`` and, when the
        folder has one, ``mapping.yaml`` (a changed mapping reads the same files differently)."""
        mapping = self.folder / MAPPING_FILE
        return [
            *self.files.values(),
            self.folder / GOALS_FILE,
            *([mapping] if mapping.is_file() else []),
        ]

    def _hash_inputs(self) -> dict[str, str]:
        return {p.name: _sha256(p) for p in sorted(self.input_paths())}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


__all__ = ["SALES_SUMMARY", "SALES_SUMMARY_SQL", "Dataset"]
