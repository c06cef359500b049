"""The loader's checks over the tables read into DuckDB, one kind per module.

- :mod:`.proofs` — what a Parquet file's statistics (or a sorted key) prove without a scan;
- :mod:`.values` — empty cells, missing-value markers, allowed values, minimums, quarters and
  months, counted in one scan of a table;
- :mod:`.keys` — every key appears once (by the key's order, a hash or the exact query);
- :mod:`.links` — every id names a row of the table it refers to;
- :mod:`.rules` — rules spanning columns of one table.

Each check takes the load's :class:`~channel_lib.data.load_state.LoadState` and adds its
problems to it.
"""
