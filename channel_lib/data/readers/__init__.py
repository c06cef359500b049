"""The loader's readers: one dataset file (CSV, Parquet or an Excel sheet) into a DuckDB table.

- :mod:`.cells` — the problem of a cell that is not a value of its column's type;
- :mod:`.header` — a CSV's header line, and what is wrong with a header;
- :mod:`.csv_files` — a CSV read into a table, with the lines the reader rejected and the
  cells whose decimals the column's type cannot hold;
- :mod:`.parquet_files` — a Parquet file kept as a typed view over the file;
- :mod:`.files` — one table's file: the header checked, the right reader, the columns the file
  may leave out added empty (and an ``.xlsx`` sheet turned into a CSV first).
"""

from channel_lib.data.readers.files import read_table

__all__ = ["read_table"]
