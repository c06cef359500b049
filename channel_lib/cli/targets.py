"""``channel-workbook targets approve|status``: the plans folder's targets from the shell.

What target setting writes (notebook ``02_target_setting``, the workshop's "Save targets", a
batch) is a **proposal**; reports measure attainment against the approved plan and the dataset's
official targets only. ``channel-workbook targets approve FY2027 --by NAME`` makes the year's
proposal the approved plan (:func:`channel_lib.plans.targets.approve_targets`, under the
targets file's lock); ``targets status`` lists what the file holds per year and status.

Kept apart from the plans module so that building the command-line parser imports nothing
heavy; the commands import pandas and the dataset loader when they run. H3's
:mod:`channel_lib.cli.commands` registers the parser with one line
(``add_targets_parser(sub)``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_targets_parser", "run_targets_command"]


def add_targets_parser(sub) -> None:
    """Add ``channel-workbook targets approve|status`` to the CLI's subparsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The CLI's subparsers (``parser.add_subparsers(...)``).

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="channel-workbook")
    >>> add_targets_parser(parser.add_subparsers(dest="command", required=True))
    >>> args = parser.parse_args(["targets", "approve", "FY2027", "--by", "Dana Lee"])
    >>> (args.verb, args.year, args.by, args.plans, args.data)
    ('approve', 'FY2027', 'Dana Lee', 'plans', 'data/sample')
    """
    p = sub.add_parser(
        "targets", help="the plans folder's targets: approve a proposal, show their status"
    )
    verbs = p.add_subparsers(dest="verb", required=True)

    def common(q) -> None:
        q.add_argument("--plans", default="plans", help="plans folder (default: plans)")
        q.add_argument(
            "--data",
            default="data/sample",
            help="dataset folder, for its money unit (default: data/sample)",
        )

    q = verbs.add_parser(
        "approve",
        help="approve a year's proposed targets: reports then measure against them",
    )
    q.add_argument("year", help="fiscal year, e.g. FY2027")
    q.add_argument("--by", required=True, help="who approves (written to approved_by)")
    common(q)
    q = verbs.add_parser("status", help="rows per year and status (proposed, approved)")
    common(q)
    p.set_defaults(func=run_targets_command)


def run_targets_command(args: argparse.Namespace) -> int:
    """Run ``channel-workbook targets ...`` (see :func:`add_targets_parser`); return the status.

    Parameters
    ----------
    args : argparse.Namespace
        ``verb`` (``approve`` or ``status``), ``plans``, ``data``, and for ``approve``
        ``year`` and ``by``.

    Returns
    -------
    int
        0 on success (errors are raised as :class:`~channel_lib.core.errors.ChannelLibError`,
        which the CLI prints with exit status 2).

    Raises
    ------
    ParameterError
        For an empty ``--by``, a bad year, or no proposal for the year.
    DataValidationError
        When the dataset or the targets file is malformed.
    """
    # deferred: pandas and DuckDB (see the module docstring)
    from channel_lib.data.loader import load_dataset
    from channel_lib.plans import targets as plan_targets

    plans = Path(args.plans).expanduser().absolute()
    money = load_dataset(Path(args.data).expanduser().absolute()).money
    if args.verb == "approve":
        done = plan_targets.approve_targets(plans, args.year, by=args.by, money=money)
        print(done.sentence())
        return 0
    rows = plan_targets.read_targets(plans, money=money)
    if rows is None:
        print(f"no targets file at {plan_targets.targets_path(plans)}")
        return 0
    rows = rows.assign(year=rows["quarter"].str.slice(0, 6))
    summary = rows.groupby(["year", "status"], as_index=False).agg(
        rows=("quarter", "size"),
        quarters=("quarter", lambda q: ", ".join(sorted(set(q)))),
        approved_by=("approved_by", lambda v: ", ".join(sorted(set(v.dropna())))),
        approved_at=("approved_at", lambda v: ", ".join(sorted(set(v.dropna())))),
    )
    print(summary.to_string(index=False))
    return 0
