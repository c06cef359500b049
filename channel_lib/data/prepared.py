"""Prepared data: a validated dataset cached as Parquet, keyed by the input checksums.

A report batch loads and validates the dataset folder once (:func:`prepare_dataset`), writes every
table as Parquet into a cache folder under the output folder (never the dataset folder, which is
read only), and tells the notebooks where it is through the environment variable
:data:`PREPARED_ENV`. :func:`channel_lib.data.workbook.open_workbook` then reads the prepared tables
(:func:`load_prepared`) instead of validating the CSV files again — but only when the cache was
made from this very folder and its files are unchanged (same size and modification time as
recorded; the manifest holds the SHA-256 checksums they were prepared from) and its money unit
has the places the dataset's ``goals.yaml`` gives now (the cached cube holds integers of that
unit).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from channel_lib.core import config
from channel_lib.core.errors import ChannelLibError
from channel_lib.data import cube as metrics
from channel_lib.data import loader
from channel_lib.data.contract import GOALS_FILE
from channel_lib.data.dataset import Dataset
from channel_lib.data.goals import read_goals
from channel_lib.data.sql import sql_literal

#: Environment variable naming the prepared folder (set by the batch for its notebooks).
PREPARED_ENV = config.PREPARED_ENV
#: Version of the cache layout; a change makes old caches invalid. 3: the cube's money is in
#: units of the dataset's money (10^-money_decimals), no longer cents.
LAYOUT = 3
_META = "meta.json"
#: Grains of the metrics cube cached with the tables.
CUBE_GRAINS = ("partner", "customer")


def _metrics_fingerprint() -> str:
    """Hash of the metrics' code (every module of :mod:`channel_lib.data.cube`): a cached cube is
    only valid for the code that built it."""
    digest = hashlib.sha256()
    for path in sorted(Path(metrics.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(checksums: dict[str, str], *, money_decimals: int) -> str:
    """A short key for a set of input checksums and money unit (the name of the prepared folder).

    Parameters
    ----------
    checksums : dict of str to str
        File name → SHA-256 of every input (``Dataset.checksums``).
    money_decimals : int
        Places of the dataset's money unit (``ds.money.decimals``): the cached cube holds
        integers of it, so the same files read with another unit (``goals.yaml`` unchanged,
        the workbook's default changed) make another folder.

    Examples
    --------
    >>> a = cache_key({"sales.csv": "ab", "goals.yaml": "cd"}, money_decimals=4)
    >>> a == cache_key({"goals.yaml": "cd", "sales.csv": "ab"}, money_decimals=4)
    True
    >>> a == cache_key({"sales.csv": "ab", "goals.yaml": "cd"}, money_decimals=2)
    False
    """
    text = json.dumps(
        {
            "layout": LAYOUT,
            "metrics": _metrics_fingerprint(),
            "money_decimals": int(money_decimals),
            "inputs": dict(sorted(checksums.items())),
        }
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _signature(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def prepare_dataset(ds: Dataset, cache_root: str | Path) -> Path:
    """Write the validated tables of ``ds`` as Parquet under ``cache_root/<key>/`` (once).

    Parameters
    ----------
    ds : Dataset
        A dataset loaded (and so validated) by :func:`channel_lib.data.loader.load_dataset`.
    cache_root : str or Path
        Folder for prepared datasets, e.g. ``reports/.prepared``. It may not lie inside the
        dataset folder.

    Returns
    -------
    Path
        The prepared folder (reused when it already exists for the same checksums).

    Raises
    ------
    ChannelLibError
        When ``cache_root`` lies inside the dataset folder (which is read only).
    """
    root = Path(cache_root).resolve()
    data = Path(ds.folder).resolve()
    if root == data or data in root.parents:
        raise ChannelLibError(
            f"the prepared-data cache {root} lies inside the dataset folder {data}, which is read "
            "only; choose an output folder outside it"
        )
    target = root / cache_key(ds.checksums, money_decimals=ds.money.decimals)
    if (target / _META).exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=root))
    try:
        for name in ds.files:
            # the path is a bound parameter, never SQL text: a folder named o'brien; --x is a name
            _copy_to(ds, name, tmp / f"{name}.parquet")
        cubes = _save_cubes(ds, tmp)
        meta = {
            "layout": LAYOUT,
            "data_dir": str(data),
            "inputs": ds.checksums,
            "metrics": _metrics_fingerprint(),
            "money_decimals": ds.money.decimals,
            "cubes": cubes,
            "files": {name: str(Path(p).resolve()) for name, p in ds.files.items()},
            "signatures": {str(p.resolve()): _signature(p.resolve()) for p in ds.input_paths()},
            "load_notes": list(ds.load_notes),
        }
        (tmp / _META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        try:
            os.replace(tmp, target)  # atomic: the folder appears complete or not at all
        except OSError:  # another batch prepared it first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_prepared(prepared: str | Path, data_dir: str | Path) -> Dataset | None:
    """The dataset from a prepared folder, or ``None`` when it does not fit ``data_dir``.

    The prepared folder fits when it was made from ``data_dir`` and every input file still has the
    size and modification time recorded when it was prepared; otherwise the caller loads and
    validates the folder itself.

    Parameters
    ----------
    prepared : str or Path
        A folder written by :func:`prepare_dataset`.
    data_dir : str or Path
        The dataset folder the notebook was asked to read.

    Returns
    -------
    Dataset or None
        Its tables are views over the prepared Parquet files (no copy), so the prepared folder
        must stay in place while the dataset is used.
    """
    folder = Path(prepared)
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data = Path(data_dir).resolve()
    if meta.get("layout") != LAYOUT or meta.get("data_dir") != str(data):
        return None
    try:
        if any(_signature(Path(p)) != sig for p, sig in meta["signatures"].items()):
            return None
    except OSError:
        return None
    goals, problems = read_goals(data / GOALS_FILE)
    if problems or goals is None or meta.get("money_decimals") != goals.money.decimals:
        return None
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for name in meta["files"]:
        # a view over the prepared file, as load_dataset keeps a Parquet table, instead of a copy
        # of its rows in every kernel (~2 s for 10 M sales lines). The file is typed as validated
        # and never rewritten (other inputs make another folder), so the view reads what was
        # validated; it is named by absolute path, for a kernel that changes directory.
        path = (folder / f"{name}.parquet").resolve()
        # a view cannot hold a bound parameter: the path goes in as a quoted SQL string literal
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({sql_literal(str(path))})")
    ds = Dataset(
        folder=Path(data_dir),
        goals=goals,
        files={k: Path(v) for k, v in meta["files"].items()},
        con=con,
        known_checksums=dict(meta["inputs"]),  # as prepared, instead of hashing the files again
        load_notes=tuple(meta.get("load_notes", ())),
    )
    if meta.get("metrics") == _metrics_fingerprint():
        _load_cubes(ds, folder, meta.get("cubes") or {})
    return ds


def _copy_to(ds: Dataset, table: str, path: Path) -> None:
    """Write the table ``table`` (a name of the workbook's, never the user's) to Parquet ``path``.

    The path goes to DuckDB as a bound parameter. DuckDB reports a failed write (full disk,
    read-only folder) as ``duckdb.IOException``; it is raised as :class:`OSError` naming the file,
    so the command line reports it like any other failed write (exit 1, no traceback).
    """
    try:
        ds.con.execute(f"COPY {table} TO ? (FORMAT parquet)", [str(path)])
    except duckdb.IOException as exc:
        raise OSError(f"could not write {path}: {exc}") from exc


def _save_cubes(ds: Dataset, folder: Path) -> dict[str, str]:
    """Build the metrics cube of each grain and write it; return grain → temp table name."""
    saved = {}
    try:
        for grain in CUBE_GRAINS:
            table = metrics.cube_table(ds, grain)
            _copy_to(ds, table, folder / f"cube_{grain}.parquet")
            saved[grain] = table
    except (AttributeError, TypeError, duckdb.Error):  # metrics changed shape: no cube cached
        return {}
    return saved


def _load_cubes(ds: Dataset, folder: Path, cubes: dict[str, str]) -> None:
    """Hand the cached cubes to :mod:`channel_lib.data.cube` as if it had built them on ``ds``."""
    if set(cubes) != set(CUBE_GRAINS):
        return
    try:
        for grain, table in cubes.items():
            ds.con.execute(
                f"CREATE TEMP TABLE {table} AS SELECT * FROM read_parquet(?)",
                [str(folder / f"cube_{grain}.parquet")],
            )
        metrics.adopt_cubes(ds, cubes)
    except (AttributeError, TypeError, duckdb.Error):  # fall back: metrics builds its own
        for table in cubes.values():
            ds.con.execute(f"DROP TABLE IF EXISTS {table}")


def dataset_for(data_dir: str | Path) -> Dataset:
    """The dataset of ``data_dir``: prepared when :data:`PREPARED_ENV` names a fitting cache,
    else loaded and validated by :func:`channel_lib.data.loader.load_dataset`."""
    prepared = os.environ.get(PREPARED_ENV)
    if prepared:
        ds = load_prepared(prepared, data_dir)
        if ds is not None:
            return ds
    return loader.load_dataset(data_dir)


__all__ = ["PREPARED_ENV", "cache_key", "dataset_for", "load_prepared", "prepare_dataset"]
