"""The loader's readers: one dataset file (CSV, Parquet or an Excel sheet) into a DuckDB table.

- :mod:`.cells` — the problem of a cell that is not a value of its column's type;
- :mod:`.header` — a CSV's header line, and what is wrong with a header;
- :mod:`.csv_files` — a CSV read into a table, with the lines the reader rejected and the
  cells whose decimals the column's type cannot hold;
- :mod:`.parquet_files` — a Parquet file kept as a typed view over the file;
- :mod:`.files` — one table's file: the header checked, the right reader, the columns the file
  may leave out added empty (and an ``.xlsx`` sheet turned into a CSV first);
- :mod:`.limits` — the bounds of what is read (file, line, cell and YAML sizes), and the check
  that a file is a regular one;
- :mod:`.records` — an independent, quote-aware count of a CSV's records, and those over a limit;
- :mod:`.yaml_files` — ``goals.yaml`` and ``mapping.yaml`` read within bounds (no aliases).

``read_table`` is imported when first used (the YAML reader is imported by
:mod:`channel_lib.data.mapping`, which :mod:`.files` needs in turn).
"""

from __future__ import annotations

from typing import Any

__all__ = ["read_table"]


def __getattr__(name: str) -> Any:
    if name == "read_table":
        from channel_lib.data.readers.files import read_table

        return read_table
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
