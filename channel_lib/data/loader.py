"""Load and validate a dataset folder into a typed :class:`Dataset`.

DuckDB does the reading, type checks, key and link checks over every file (the sales file may hold
tens of millions of lines), and hands pandas the small tables. Validation collects *every* problem,
each naming file, column, line and value, then raises :class:`DataValidationError` once.
Input files are only ever read.

This module orchestrates: it finds each table's file, hands it to the readers
(:mod:`channel_lib.data.readers`), runs the checks (:mod:`channel_lib.data.checks`) over what was
read, and returns the :class:`~channel_lib.data.dataset.Dataset` (or raises the problems). It
keeps the names other code imports from it (``Dataset``, ``load_dataset``, ...).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import yaml

from channel_lib.core.errors import DataValidationError, Problem
from channel_lib.core.money import DEFAULT_MONEY_DECIMALS
from channel_lib.data.checks.goal_links import check_goal_channels, check_goal_currency
from channel_lib.data.checks.links import check_links
from channel_lib.data.checks.rules import check_rules
from channel_lib.data.checks.values import check_values
from channel_lib.data.contract import GOALS_FILE, TABLES, Table
from channel_lib.data.dataset import SALES_SUMMARY, SALES_SUMMARY_SQL, Dataset
from channel_lib.data.goals import Goals, read_goals
from channel_lib.data.load_state import MAX_ROWS_PER_CHECK, LineAccount, LoadState
from channel_lib.data.mapping import MAPPING_FILE, read_mapping
from channel_lib.data.readers.files import read_table
from channel_lib.data.readers.limits import shown_name
from channel_lib.data.readers.parquet_files import define_view
from channel_lib.data.readers.yaml_files import read_yaml
from channel_lib.data.sql import sql_literal

#: The file types a table may come as, in the order they are looked for.
SUFFIXES = (".csv", ".parquet", ".xlsx")


def load_dataset(folder: str | Path) -> Dataset:
    """Load and validate a dataset folder.

    Parameters
    ----------
    folder : str or Path
        Folder holding the contract's files (``channels.csv``, ``sales.csv`` or ``sales.parquet``,
        ``goals.yaml``, ...). It is only read.

    Returns
    -------
    Dataset

    Raises
    ------
    DataValidationError
        With every problem found: file, column, line (1 = the CSV header; Parquet: row number),
        value and what to do.

    Examples
    --------
    >>> ds = load_dataset("tests/data/tiny")
    >>> sorted(ds.files)[:3]
    ['channel_costs', 'channels', 'customers']
    >>> ds.missing_optional
    {'partner_changes.csv': ('partner channel and tier history (partners are shown as they are now)',)}
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(
            [
                Problem(
                    str(folder),
                    "",
                    None,
                    "",
                    "dataset folder not found; pass the folder that "
                    "holds channels.csv, sales.csv, goals.yaml, ...",
                )
            ]
        )
    state = LoadState(folder)
    try:
        return _load(state)
    finally:
        if state.scratch is not None:
            state.scratch.cleanup()


def line_accounts(folder: str | Path) -> dict[str, LineAccount]:
    """Load ``folder`` and say, per CSV table, how its lines are accounted for.

    The load runs as :func:`load_dataset` does (problems are not raised); each CSV (and Excel
    sheet) read gets a :class:`~channel_lib.data.load_state.LineAccount` of its records
    (counted independently of DuckDB), the rows loaded and the records reported. A file not
    read (missing, refused, a header or a line over its limit) has none.

    Returns
    -------
    dict of str to LineAccount
        Table name → its account; ``account.balanced`` is ``loaded + reported == records``.

    Examples
    --------
    >>> accounts = line_accounts("tests/data/tiny")
    >>> all(a.balanced for a in accounts.values()), accounts["channels"].reported
    (True, 0)
    """
    state = LoadState(Path(folder))
    try:
        _load(state)
    except DataValidationError:
        pass  # the problems are what load_dataset raises; the accounts are kept either way
    finally:
        if state.scratch is not None:
            state.scratch.cleanup()
    return state.accounts


def _load(state: LoadState) -> Dataset:
    """Read and check every table of the folder; raise every problem found, or the dataset."""
    goals, goals_root = _read_goals(state)
    # money is read at the dataset's places (the default when goals.yaml cannot be read)
    state.use_money_decimals(goals.money_decimals if goals else DEFAULT_MONEY_DECIMALS)
    state.currency = goals.currency if goals else None
    if (state.folder / MAPPING_FILE).is_symlink():
        state.shown_as[MAPPING_FILE] = shown_name(state.folder / MAPPING_FILE)
    state.mapping, mapping_problems = read_mapping(state.folder)
    state.problems.extend(mapping_problems)
    for table in TABLES.values():
        path = _locate(state, table)
        if path is None:
            continue
        state.files[table.name] = path
        if read_table(state, table, path):
            state.loaded.add(table.name)
            check_values(state, table)  # the key too
    for table in TABLES.values():
        if table.name in state.loaded:
            check_links(state, table)
    check_rules(state)
    if goals is not None:
        check_goal_channels(state, goals, goals_root)
    if state.problems:
        _raise_problems(state)
    assert goals is not None
    return _dataset(state, goals)


def _read_goals(state: LoadState) -> tuple[Goals | None, yaml.Node | None]:
    """``goals.yaml`` read within the YAML bounds first, then checked (problems to ``state``).

    The bounded reader (:func:`~channel_lib.data.readers.yaml_files.read_yaml`) refuses a
    device, an oversized or deeply nested file and aliases before the goals reader builds
    anything; a link is named with the file it resolves to in every problem.
    """
    path = state.folder / GOALS_FILE
    if path.is_symlink():
        state.shown_as[GOALS_FILE] = shown_name(path)
    if path.is_symlink() or path.exists():
        document = read_yaml(path, limits=state.limits)
        if isinstance(document, Problem):
            state.problems.append(document)
            return None, None
        root = document.root
    else:
        root = None
    goals, problems = read_goals(path)
    state.problems.extend(problems)
    if goals is not None and not check_goal_currency(state, goals, root):
        return None, root
    return goals, root


def _raise_problems(state: LoadState) -> None:
    """Raise the problems found, each under the file the user wrote, in file and line order.

    A problem in a column ``mapping.yaml`` maps names the source column too
    (``revenue (source column SalesAmount)``).
    """
    state.problems = [
        replace(p, file=state.shown_as[p.file]) if p.file in state.shown_as else p
        for p in state.problems
    ]
    mapped = {state.files[t].name: m for t, m in state.mapping.items() if t in state.files}
    state.problems = [
        replace(p, column=mapped[p.file].shown(p.column)) if p.file in mapped and p.column else p
        for p in state.problems
    ]
    state.problems.sort(key=lambda p: (p.file, p.line or 0, p.column))
    raise DataValidationError(state.problems, folder=str(state.folder))


def _dataset(state: LoadState, goals: Goals) -> Dataset:
    """The dataset of a clean load: the checks' temporary tables dropped, views without rowid."""
    for table in state.loaded:
        state.con.execute(f"DROP TABLE IF EXISTS rej_{table}; DROP TABLE IF EXISTS scan_{table}")
    for values in state.distinct.values():
        state.con.execute(f"DROP TABLE IF EXISTS {values}")
    for view in state.views.values():
        define_view(state, view, rowid=False)
    return Dataset(
        folder=state.folder,
        goals=goals,
        files=state.files,
        con=state.con,
        sales_summary=SALES_SUMMARY if "sales" in state.loaded else None,
        load_notes=tuple(state.notes),
    )


def _locate(state: LoadState, table: Table) -> Path | None:
    """The file of ``table`` in the folder (``None``, with a problem when required, if none).

    A file named for the table in ``mapping.yaml`` is that file (a problem when it is absent).
    """
    mapping = state.mapping.get(table.name)
    if mapping is not None and mapping.file is not None:
        path = state.folder / mapping.file
        if not os.path.lexists(path):
            state.problem(
                MAPPING_FILE, f"{table.name}.file", mapping.line("file"), mapping.file,
                f"the file named for {table.name} is not in the dataset folder; "
                "write the name of the export as it is in the folder",
            )  # fmt: skip
            return None
        return path
    found = [
        state.folder / f"{table.name}{s}"
        for s in SUFFIXES
        if (state.folder / f"{table.name}{s}").exists()
    ]
    if len(found) > 1:
        state.problem(
            found[0].name,
            "",
            None,
            "",
            f"both {found[0].name} and {found[1].name} "
            "exist; keep one so it is clear which is read",
        )
        return None
    if not found:
        if table.required:
            state.problem(
                f"{table.name}.csv",
                "",
                None,
                "",
                f"required file is missing ({table.description}); "
                f"add {table.name}.csv (or .parquet, .xlsx) with columns "
                f"{', '.join(c.name for c in table.columns if c.in_file)}",
            )
        return None
    return found[0]


__all__ = [
    "MAX_ROWS_PER_CHECK",
    "SALES_SUMMARY_SQL",
    "SUFFIXES",
    "Dataset",
    "line_accounts",
    "load_dataset",
    "sql_literal",
]
