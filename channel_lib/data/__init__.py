"""The data layer: a dataset folder in, a validated :class:`~channel_lib.data.dataset.Dataset` out.

- :mod:`.contract` — which files a dataset holds, their columns, keys and links;
- :mod:`.goals` — ``goals.yaml``: currency, fiscal calendar, yearly objectives, channel roles;
- :mod:`.excel` — ``.xlsx`` tables read as the loader's CSV;
- :mod:`.loader` — load and validate a folder into a typed ``Dataset`` (DuckDB): it finds each
  table's file and runs the readers and the checks;
- :mod:`.readers` — one file (CSV, Parquet, an Excel sheet) into a DuckDB table, rejected lines;
- :mod:`.checks` — types, missing values, allowed values, keys, links and rules over the tables;
- :mod:`.load_state` — what one load has read and found (shared by the readers and checks);
- :mod:`.sql` — quoted SQL names and literals, and which casts between DuckDB types are safe;
- :mod:`.dataset` — the ``Dataset``: folder, goals, files and the DuckDB connection;
- :mod:`.cache` — ``DatasetCache``, what is computed once per dataset (``Dataset.cache``);
- :mod:`.cube` — the one metrics cube by channel, partner, customer, product line and period;
- :mod:`.prepared` — a validated dataset cached as Parquet, keyed by the input checksums;
- :mod:`.workbook` — a notebook's session: paths, parameters, dataset, reporting quarter.
"""

from channel_lib.data.dataset import Dataset
from channel_lib.data.loader import load_dataset

__all__ = ["Dataset", "load_dataset"]
