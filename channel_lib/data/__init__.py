"""The data layer: a dataset folder in, a validated :class:`~channel_lib.data.loader.Dataset` out.

- :mod:`.contract` — which files a dataset holds, their columns, keys and links;
- :mod:`.goals` — ``goals.yaml``: currency, fiscal calendar, yearly objectives, channel roles;
- :mod:`.excel` — ``.xlsx`` tables read as the loader's CSV;
- :mod:`.loader` — load and validate a folder into a typed ``Dataset`` (DuckDB);
- :mod:`.cube` — the one metrics cube by channel, partner, customer, product line and period;
- :mod:`.prepared` — a validated dataset cached as Parquet, keyed by the input checksums;
- :mod:`.workbook` — a notebook's session: paths, parameters, dataset, reporting quarter.
"""

from channel_lib.data.loader import Dataset, load_dataset

__all__ = ["Dataset", "load_dataset"]
