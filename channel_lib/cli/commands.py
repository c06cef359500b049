"""The ``channel-workbook`` command line.

Errors the user can fix (bad data, bad parameters, a folder that cannot be written) are printed as
a readable message without a traceback, and the command exits with status 2; a failed run (a
report batch with failures, a full disk) exits with status 1.

Every command resolves a relative path (``--data``, ``--plans``, ``--out``, ``--notebooks-dir``,
``validate``'s folder) from the current directory: :func:`main` makes them absolute before the
command runs, so ``actions`` and ``workshop`` mean the same folder as ``report`` and ``validate``.
A plans folder equal to or inside the dataset folder, and an output folder that is a file or
cannot be written, are refused before any work is done.

Each command imports the layer it runs when it runs (the batch with papermill and altair, the
workshop with Voilà, the sample generator with pyarrow), so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from channel_lib.batch.records import DEFAULT_PARTNERS
from channel_lib.cli.actions import add_actions_parser
from channel_lib.cli.interviews import add_interviews_parser
from channel_lib.cli.targets import add_targets_parser
from channel_lib.core.errors import ChannelLibError, DataValidationError, ParameterError

if TYPE_CHECKING:  # annotations only: pandas and the dataset load when a command runs
    import pandas as pd

    from channel_lib.data.dataset import Dataset


def _validate_notes(ds: Dataset) -> list[str]:
    """The load's notes (columns loaded empty, ...) and goals.yaml's notes on the thresholds."""
    # load_notes: the loader's notes on the Dataset (getattr until every Dataset carries them)
    return [*getattr(ds, "load_notes", ()), *ds.goals.threshold_notes()]


def _control_totals_json(ds: Dataset, totals: pd.DataFrame) -> list[dict]:
    """:func:`~channel_lib.analysis.overview.control_totals` with money as exact decimal text."""
    return [
        {
            "fiscal_year": r.fiscal_year,
            "level": r.level,
            "channel_id": None if r.level == "year" else r.channel_id,
            "lines": int(r.lines),
            "revenue": ds.money.format(int(r.revenue_exact)),
            "cost_of_sales": ds.money.format(int(r.cost_of_sales_exact)),
        }
        for r in totals.itertuples()
    ]


def _control_totals_lines(ds: Dataset, totals: pd.DataFrame) -> list[str]:
    """The control totals as an aligned text table; money with every digit of the source's
    precision (thousands separators for reading)."""
    head = ("fiscal year", "channel", "lines", f"revenue ({ds.money.currency})", "cost of sales")
    places = ds.money.places_shown([*totals["revenue_exact"], *totals["cost_of_sales_exact"]])
    body = [
        (
            r.fiscal_year if r.level == "channel" else "",
            r.channel_id if r.level == "channel" else f"{r.fiscal_year} total",
            f"{int(r.lines):,}",
            ds.money.format_grouped(r.revenue_exact, places),
            ds.money.format_grouped(r.cost_of_sales_exact, places),
        )
        for r in totals.itertuples()
    ]
    widths = [max(len(row[i]) for row in (head, *body)) for i in range(len(head))]

    def line(row: tuple[str, ...]) -> str:
        left = "  ".join(c.ljust(w) for c, w in zip(row[:2], widths[:2], strict=True))
        right = "  ".join(c.rjust(w) for c, w in zip(row[2:], widths[2:], strict=True))
        return f"    {left}  {right}".rstrip()

    return [
        "  control totals of sales (exact sums, to reconcile with the source system):",
        line(head),
        *(line(row) for row in body),
    ]


def _cmd_validate(args: argparse.Namespace) -> int:
    from channel_lib.analysis.overview import control_totals  # deferred: pandas and DuckDB
    from channel_lib.data.loader import load_dataset  # deferred: pandas and DuckDB

    shown = getattr(args, "given", {}).get("data", args.data)  # as the user spelled it
    try:
        ds = load_dataset(args.data)
    except DataValidationError as exc:
        if not args.json:
            raise
        print(json.dumps({"valid": False, "folder": shown,
                          "problems": [dataclasses.asdict(p) for p in exc.problems]}, indent=2))  # fmt: skip
        return 2
    n_sales = ds.con.execute("SELECT count(*) FROM sales").fetchall()[0][0]
    notes = _validate_notes(ds)
    totals = control_totals(ds)
    if args.json:
        print(json.dumps({"valid": True, "folder": shown, "tables": sorted(ds.files),
                          "sales_lines": n_sales, "fiscal_years": list(ds.goals.years),
                          "missing_optional": ds.missing_optional, "notes": notes,
                          "control_totals": _control_totals_json(ds, totals)}, indent=2))  # fmt: skip
        return 0
    print(
        f"{shown}: valid — {len(ds.files)} tables, {n_sales:,} sales lines, "
        f"fiscal years {', '.join(ds.goals.years)} ({ds.goals.currency})."
    )
    for file, disabled in ds.missing_optional.items():
        print(f"  optional {file} is missing: no {', '.join(disabled)}")
    for note in notes:
        print(f"  note: {note}")
    print("\n".join(_control_totals_lines(ds, totals)))
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from channel_lib.sample import generate_sample  # deferred: numpy, pandas and pyarrow

    if args.scale >= 10:  # ~1M lines and more: say what is coming (100 → ~10M lines, ~20 s)
        print(
            f"generating ~{args.scale * 100_000:,.0f} sales lines into {args.out} ...", flush=True
        )
    rows = generate_sample(
        Path(args.out),
        seed=args.seed,
        scale=args.scale,
        formats=tuple(args.format),
        style=args.style,
    )
    print(f"sample (seed {args.seed}, scale {args.scale:g}, {args.style}) written to {args.out}:")
    for name, n in rows.items():
        print(f"  {name:<24} {n:>12,} rows")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from channel_lib.batch.run import run_batch_from_cli  # deferred: pandas, DuckDB, altair

    return run_batch_from_cli(args)


def _cmd_workshop(args: argparse.Namespace) -> int:
    from channel_lib.interactive.workshop import serve  # deferred: Voilà, ipywidgets, altair

    return serve(args.data, args.plans, args.quarter, port=args.port,
                 open_browser=not args.no_browser, pseudonymise=args.pseudonymise)  # fmt: skip


def _add_validate_parser(sub: argparse._SubParsersAction) -> None:
    """The ``validate`` subcommand's arguments."""
    p = sub.add_parser("validate", help="check a dataset folder against the data contract")
    p.add_argument("data", help="dataset folder (channels.csv, sales.csv, goals.yaml, ...)")
    p.add_argument(
        "--json", action="store_true",
        help="print the result as JSON on stdout (problems: file, column, line, value, message)",
    )  # fmt: skip
    p.set_defaults(func=_cmd_validate)


def _add_sample_parser(sub: argparse._SubParsersAction) -> None:
    """The ``sample`` subcommand's arguments."""
    p = sub.add_parser("sample", help="generate the deterministic sample dataset")
    p.add_argument(
        "--seed", type=int, default=20261, help="random seed (default: the committed sample's)"
    )
    p.add_argument(
        "--out", required=True, help="folder to write (created; existing files are replaced)"
    )
    p.add_argument(
        "--scale", type=float, default=1.0, help="multiply the number of sales lines (100 → ~10M)"
    )
    p.add_argument(
        "--format",
        action="append",
        choices=("csv", "parquet"),
        default=None,
        help="file format(s) for the sales table (repeatable; default csv)",
    )
    p.add_argument(
        "--style",
        choices=("standard", "erp"),
        default="standard",
        help="standard (default): the committed sample's files, named as the data contract; "
        "erp: what a real ERP export looks like — money with 4 decimals, monthly batch orders, "
        "resellers that never ordered, no partner reports, the source's own column names with a "
        "mapping.yaml to the contract, extra columns, and a byte-order mark",
    )
    p.set_defaults(func=_cmd_sample)


def _add_report_parser(sub: argparse._SubParsersAction) -> None:
    """The ``report`` subcommand's arguments."""
    p = sub.add_parser(
        "report", help="run the notebooks for one or more quarters into HTML reports"
    )
    p.add_argument("--data", default="data/sample", help="dataset folder (default: data/sample)")
    p.add_argument(
        "--plans", default="plans", help="plans folder for targets and actions (default: plans)"
    )
    p.add_argument(
        "--quarter",
        default="latest",
        help="FY2026-Q3, a range FY2026-Q1..FY2026-Q4 (run in order), 'latest' (last complete "
        "quarter) or last:N (the N quarters ending with it)",
    )
    p.add_argument(
        "--partners",
        default=DEFAULT_PARTNERS,
        help="partner packs: all, none, flagged, top:N, tier:gold, a comma list, or a+b",
    )
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument(
        "--notebooks", default=None, help="comma list of notebook names to run (default: all)"
    )
    p.add_argument(
        "--notebooks-dir",
        default=None,
        help="folder of the notebooks to run (default: the project's notebooks/)",
    )
    p.add_argument(
        "--workers", type=int, default=None, help="parallel workers (default: all cores)"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="run on a Dask cluster (tcp://host:8786; needs channel-workbook[distributed])",
    )
    p.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="a fresh kernel per notebook instead of the pool of pre-warmed kernels",
    )
    p.add_argument("--resume", action="store_true", help="re-run only what failed or is missing")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print every page to <report>.pdf with Debian's chromium (one browser)",
    )
    p.add_argument(
        "--paper",
        choices=("A4", "Letter"),
        default="A4",
        help="paper size of the PDFs (default: A4)",
    )
    _add_pseudonymise_argument(p)
    p.set_defaults(func=_cmd_report)


def _add_pseudonymise_argument(p: argparse.ArgumentParser) -> None:
    """``--pseudonymise customers|partners|customers,partners`` (report and workshop)."""
    p.add_argument(
        "--pseudonymise",
        metavar="WHAT",
        default=None,
        help="replace names with stable pseudonyms for sessions with outsiders: customers, "
        "partners or customers,partners (the register stays in the plans folder)",
    )


def _add_workshop_parser(sub: argparse._SubParsersAction) -> None:
    """The ``workshop`` subcommand's arguments."""
    p = sub.add_parser(
        "workshop", help="serve the workshop app with Voilà on 127.0.0.1 (Ctrl-C stops it)"
    )
    p.add_argument("--data", default="data/sample", help="dataset folder (default: data/sample)")
    p.add_argument(
        "--plans", default="plans", help="plans folder the decisions are saved to (default: plans)"
    )
    p.add_argument("--quarter", default="latest", help="FY2026-Q3, or 'latest' (default)")
    p.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")
    _add_pseudonymise_argument(p)
    p.set_defaults(func=_cmd_workshop)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and ``--help`` docs)."""
    parser = argparse.ArgumentParser(
        prog="channel-workbook",
        description="Channel performance workbook: validate a dataset, make the sample, run reports, "
        "hold a workshop.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    _add_validate_parser(sub)
    _add_sample_parser(sub)
    _add_report_parser(sub)
    _add_workshop_parser(sub)
    add_actions_parser(sub)  # channel-workbook actions ...
    add_targets_parser(sub)  # channel-workbook targets approve|status
    add_interviews_parser(sub)  # channel-workbook interviews record|list
    return parser


#: Arguments that name a path, made absolute from the current directory by :func:`main`.
PATH_ARGUMENTS = ("data", "plans", "out", "notebooks_dir")
#: Commands (and ``actions`` verbs) that write into ``--out`` or ``--plans``: checked up front.
_WRITES_OUT = ("report", "sample")
_WRITES_PLANS = ("report", "workshop", "accept", "reject", "close", "review", "approve", "record")
#: errno values of a run that failed on a sound request (exit 1); any other OSError is exit 2.
_FAILED_RUN = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG)
#: The filesystem errors a command reports as a message (a bad path given: exit 2).
_FILESYSTEM_ERRORS = (PermissionError, FileNotFoundError, FileExistsError, NotADirectoryError,
                      IsADirectoryError)  # fmt: skip
#: errno values of a plain OSError that mean a path the command cannot use (exit 2).
_BAD_PATH = (errno.EROFS, errno.ENAMETOOLONG, errno.ELOOP)
#: The longest value a message echoes (issue 24: values echoed briefly).
ECHO_LIMIT = 80
#: The longest path a message echoes whole (longer ones keep their start and end).
PATH_ECHO_LIMIT = 240


def _brief(value: object, limit: int = ECHO_LIMIT) -> str:
    """``value`` as text of at most ``limit`` characters (the middle elided).

    Examples
    --------
    >>> _brief("reports")
    'reports'
    >>> len(_brief("x" * 500)), _brief("x" * 500)[35:42]
    (80, 'xx ... ')
    """
    text = str(value)
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-(limit - 5 - half) :]}"


def _shown_path(path: object) -> str:
    """A path for a message: whole up to :data:`PATH_ECHO_LIMIT` characters (a path the user
    typed is worth reading in full), else its start and end.

    Examples
    --------
    >>> _shown_path("/tmp/" + "d" * 100) == "/tmp/" + "d" * 100
    True
    >>> len(_shown_path("/tmp/" + "d" * 1000))
    240
    """
    return _brief(path, PATH_ECHO_LIMIT)


def absolute_paths(args: argparse.Namespace) -> argparse.Namespace:
    """Make every path argument absolute from the current directory (one meaning for all commands).

    The spelling the user gave is kept in ``args.given`` (attribute → text) for messages.

    Examples
    --------
    >>> ns = absolute_paths(argparse.Namespace(command="validate", data="tests/data/tiny"))
    >>> Path(ns.data) == Path.cwd() / "tests/data/tiny", ns.given["data"]
    (True, 'tests/data/tiny')
    """
    args.given = {}
    for name in PATH_ARGUMENTS:
        value = getattr(args, name, None)
        if isinstance(value, str | Path):
            args.given[name] = str(value)
            setattr(args, name, str(Path(value).expanduser().absolute()))
    return args


def check_folders(args: argparse.Namespace) -> None:
    """Refuse, before any work, a plans folder equal to or inside the dataset folder, and an
    output or plans folder that is a file or cannot be written.

    Raises
    ------
    ParameterError
        Naming the argument, the path and what to pass instead.
    """
    data, plans = getattr(args, "data", None), getattr(args, "plans", None)
    if data is not None and plans is not None:
        d, p = Path(data).resolve(), Path(plans).resolve()
        if p == d or d in p.parents:
            where = "the" if p == d else "inside the"
            raise ParameterError(
                f"--plans {_shown_path(plans)} is {where} dataset folder --data "
                f"{_shown_path(data)}, which the workbook only reads: pass a separate plans "
                "folder, e.g. --plans plans"
            )
    verb = getattr(args, "verb", None) or args.command
    if args.command in _WRITES_OUT and getattr(args, "out", None) is not None:
        _check_writable("--out", Path(args.out))
    if verb in _WRITES_PLANS and plans is not None:
        _check_writable("--plans", Path(plans))


def _check_writable(option: str, folder: Path) -> None:
    """Raise :class:`ParameterError` when ``folder`` (or the nearest existing parent it would be
    created in) is a file, or a temporary file cannot be created there (read-only, no permission).
    Nothing is left behind: no folder is created, the probe file is removed."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = "" if existing == folder else f" ({_shown_path(existing)} is a file)"
        raise ParameterError(
            f"{option} {_shown_path(folder)} is not a folder{where}: pass a folder (it is created "
            "when missing)"
        )
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".channel-workbook-probe-"):
            pass
    except OSError as exc:
        raise ParameterError(
            f"{option} {_shown_path(folder)}: cannot write in {_shown_path(existing)} "
            f"({_reason(exc)}); pass a folder on a writable disk"
        ) from None


def _reason(exc: OSError) -> str:
    """A short reason for a filesystem error, in words."""
    words = {
        errno.EROFS: "the filesystem is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENOENT: "no such file or folder",
        errno.EEXIST: "it exists already",
        errno.ENAMETOOLONG: "the name is too long for the filesystem",
        errno.ELOOP: "too many levels of symbolic links",
    }
    return words.get(exc.errno, exc.strerror or str(exc))


def os_error_message(exc: OSError) -> tuple[str, int]:
    """The message and exit status for a filesystem error that reached the command line.

    A full disk (or quota, I/O error) is a failed run: exit 1, and the message says to free space
    and run again. Anything else (read-only, no permission, a file where a folder should be, a
    missing file) is a bad path given to the command: exit 2.

    Examples
    --------
    >>> message, status = os_error_message(OSError(errno.EROFS, "Read-only file system", "/ro/r"))
    >>> message.split(";")[0], status
    ('cannot write /ro/r: the filesystem is read-only', 2)
    >>> os_error_message(OSError(errno.ENOSPC, "No space left on device", "reports/x.html"))[1]
    1
    """
    path = exc.filename if exc.filename is not None else None
    target = f" {_shown_path(path)}" if path is not None else ""
    if exc.errno in _FAILED_RUN:
        return (
            f"the run failed writing{target}: {_reason(exc)}; free space (or pass a folder on "
            "another disk) and run the command again (report: add --resume)",
            1,
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"cannot write{target}: {_reason(exc)}; pass a folder on a writable disk "
            "(--out, --plans)",
            2,
        )
    if exc.errno is None:  # raised by the workbook with its own words (a failed DuckDB write)
        return _brief_lines(str(exc)), 1
    return f"{_shown_path(path) if path else 'a file'}: {_reason(exc)}; check the path given", 2


def _brief_lines(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + " ..."


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``channel-workbook``; returns the exit status.

    0 done; 1 a failed run (report failures, a full disk); 2 bad input or arguments (invalid
    data, a bad parameter, a path that cannot be used); 130 interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "format", None) is None and args.command == "sample":
        args.format = ["csv"]
    try:
        absolute_paths(args)
        check_folders(args)
        return args.func(args)
    except ChannelLibError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of the output went away (`... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except _FILESYSTEM_ERRORS as exc:  # at the command's boundary: a message, no traceback
        message, status = os_error_message(exc)
        print(f"error: {message}", file=sys.stderr)
        return status
    except OSError as exc:  # read-only, full disk, ...: the errno says; other OSErrors propagate
        if exc.errno not in (*_FAILED_RUN, *_BAD_PATH, None) or isinstance(exc, ConnectionError):
            raise
        message, status = os_error_message(exc)
        print(f"error: {message}", file=sys.stderr)
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
