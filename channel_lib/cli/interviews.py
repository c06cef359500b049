"""``channel-workbook interviews record|list``: the win/loss interviews from the shell.

Kept apart from :mod:`channel_lib.plans.interviews` so that building the command-line parser
imports nothing heavy; the commands import it (and pandas) when they run.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["add_interviews_parser", "run_interviews_command"]


def add_interviews_parser(sub) -> None:
    """Add ``channel-workbook interviews record|list`` to the CLI's subparsers."""
    p = sub.add_parser("interviews", help="win/loss interviews: record what a customer said")
    verbs = p.add_subparsers(dest="verb", required=True)
    q = verbs.add_parser(
        "record", help="append an interview of a won or lost deal to plans/interviews.csv"
    )
    q.add_argument("opportunity", help="opportunity id from opportunities.csv (e.g. OPP-00467)")
    q.add_argument("--outcome", required=True, choices=["won", "lost"], help="won or lost")
    q.add_argument("--reason", required=True, help="why, in the customer's words")
    q.add_argument("--by", default="", help="who interviewed (kept with the row)")
    q.add_argument("--plans", default="plans", help="plans folder (default: plans)")
    q.add_argument("--data", default="data/sample", help="dataset folder (default: data/sample)")
    q = verbs.add_parser("list", help="the latest interview of each opportunity")
    q.add_argument("--plans", default="plans", help="plans folder (default: plans)")
    q.add_argument("--partner", default=None, help="only this partner's interviews")
    p.set_defaults(func=run_interviews_command)


def run_interviews_command(args) -> int:
    """Run ``channel-workbook interviews ...`` (see :func:`add_interviews_parser`); return 0."""
    from channel_lib.plans import interviews as iv  # deferred: pandas (see the module docstring)

    plans = Path(args.plans).expanduser().absolute()
    if args.verb == "record":
        row = iv.record_interview(
            plans, Path(args.data).expanduser().absolute(), args.opportunity,
            outcome=args.outcome, reason=args.reason, by=args.by,
        )  # fmt: skip
        kind = "a service complaint" if iv.is_service_reason(row["reason"]) else "an interview"
        print(
            f"recorded {kind} on {row['opportunity_id']} ({row['outcome']}, partner "
            f"{row['partner_id']}) in {plans / iv.INTERVIEWS_FILE}"
        )
        return 0
    if args.partner:
        shown = iv.interviews_for(plans, args.partner)
    else:
        shown = iv.latest_interviews(iv.read_interviews(plans))
    cols = ["opportunity_id", "partner_id", "outcome", "service", "reason", "interviewed_by"]
    print(shown[cols].to_string(index=False) if len(shown) else "no interviews")
    return 0
