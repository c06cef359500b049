"""``channel-workbook actions list|suggest|accept|reject|review|close``: the action log from the shell.

Kept apart from :mod:`channel_lib.analysis.partner_review` so that building the command-line
parser imports nothing heavy; the commands import the analysis modules (and pandas) when they run.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["add_actions_parser", "run_actions_command"]


# -- channel-workbook actions ---------------------------------------------------------------
def add_actions_parser(sub) -> None:
    """Add ``channel-workbook actions list|suggest|accept|reject|close`` to the CLI's subparsers."""
    p = sub.add_parser("actions", help="the action log: list, suggest, accept, reject, close")
    verbs = p.add_subparsers(dest="verb", required=True)

    def common(q, *, data: bool = False) -> None:
        q.add_argument("--plans", default="plans", help="plans folder (default: plans)")
        if data:
            q.add_argument("--data", default="data/sample", help="dataset folder")

    q = verbs.add_parser("list", help="the current state of every action")
    common(q)
    q.add_argument("--partner", default=None, help="only this partner's actions")
    q.add_argument("--status", default="open", help="open, rejected, closed or all (default open)")
    q = verbs.add_parser("suggest", help="the actions the rule table suggests for a partner")
    common(q, data=True)
    q.add_argument("--partner", required=True, help="partner id")
    q.add_argument("--quarter", default="latest", help="quarter (default: latest complete one)")
    for verb, text in (("accept", "raise (or edit, or re-open) actions as open"),
                       ("reject", "record suggestions as rejected")):  # fmt: skip
        q = verbs.add_parser(verb, help=text)
        common(q, data=True)
        q.add_argument("ids", help="comma list of action ids (from suggest or list)")
        q.add_argument("--note", default="", help="free text kept with the row")
        if verb == "accept":
            q.add_argument("--action", default=None, help="edit the action's text")
            q.add_argument("--owner", default=None, help="edit the owner")
            q.add_argument("--due", default=None, help="edit the due date (YYYY-MM-DD)")
    q = verbs.add_parser(
        "review", help="review every open action for a quarter; close cleared ones"
    )
    common(q, data=True)
    q.add_argument("--quarter", default="latest", help="quarter (default: latest complete one)")
    q = verbs.add_parser("close", help="close open actions with the evidence")
    common(q)
    q.add_argument("ids", help="comma list of action ids")
    q.add_argument("--quarter", required=True, help="quarter the action closed in")
    q.add_argument("--evidence", required=True, help="what shows the action is done")
    p.set_defaults(func=run_actions_command)


def _split_id(action_id: str) -> tuple[str, str]:
    """``FY2026-Q4-P102-line_card_lost`` → ``("FY2026-Q4", "P102")``; a company-wide id gives its
    channel or pair (``FY2026-Q4-DIST+RES-channel_conflict`` → ``("FY2026-Q4", "DIST+RES")``)."""
    quarter, rest = action_id[:9], action_id[10:]
    from channel_lib.plans import actions as act  # deferred: pandas (see the module docstring)

    for trigger in sorted(act.TRIGGERS, key=len, reverse=True):
        if f"-{trigger}" in rest:
            return quarter, rest.split(f"-{trigger}", 1)[0]
    raise act.ActionLogError(
        f"{action_id!r} is not an action id like FY2026-Q4-P102-line_card_lost"
    )


def run_actions_command(args) -> int:
    """Run ``channel-workbook actions ...`` (see :func:`add_actions_parser`); return the status."""
    # deferred: pandas, DuckDB and the analyses (see the module docstring)
    import pandas as pd

    from channel_lib.analysis.company_actions import company_suggestions
    from channel_lib.analysis.partner_review import partner_pack, review_open_actions
    from channel_lib.data.workbook import open_workbook
    from channel_lib.plans import actions as act

    # relative paths from the current directory, as every command (not the project folder, which
    # is what notebooks resolve from: channel_lib.data.workbook.resolve_path)
    plans = Path(args.plans).expanduser().absolute()
    if getattr(args, "data", None) is not None:
        args.data = str(Path(args.data).expanduser().absolute())
    if args.verb == "list":
        log = act.read_log(plans)
        state = act.current_actions(log)
        if args.partner:
            state = state[state["partner_id"] == args.partner]
        if args.status != "all":
            state = state[state["status"] == args.status]
        cols = ["action_id", "status", "raised_in", "closed_in", "due", "owner", "action"]
        print(state[cols].to_string(index=False) if len(state) else "no actions")
        return 0
    if args.verb == "close":
        done = act.close(plans, args.ids, quarter=args.quarter, evidence=args.evidence)
        print(f"closed {len(done)} action(s) in {plans / act.LOG_FILE}")
        return 0
    if args.verb == "review":
        wb = open_workbook(args.data, args.quarter, plans)
        rv = review_open_actions(wb)
        cols = ["action_id", "trend", "overdue", "closed", "evidence"]
        print(rv[cols].to_string(index=False) if len(rv) else f"no open action before {wb.quarter}")
        return 0
    if args.verb == "suggest":
        wb = open_workbook(args.data, args.quarter, plans)
        pack = partner_pack(wb, args.partner)
        s = pack.suggestions
        print(s[["action_id", "action", "owner", "due", "evidence"]].to_string(index=False)
              if len(s) else f"no new suggestion for {args.partner} in {wb.quarter}")  # fmt: skip
        return 0
    ids = act.parse_ids(args.ids)
    known = set(act.read_log(plans)["action_id"])
    suggestions = []
    keys = list(dict.fromkeys(_split_id(i) for i in ids if i not in known))
    for quarter in dict.fromkeys(q for q, _ in keys):
        # what notebook 05 suggests company-wide (channels, conflicts, deals, every partner with
        # a material finding), then what each named partner's pack suggests: the same ids
        wb = open_workbook(args.data, quarter, plans)
        suggestions.append(company_suggestions(wb))
        partners = set(wb.dataset.table("partners")["partner_id"].astype(str)) if wb.dataset.has(
            "partners") else set()  # fmt: skip
        suggestions += [
            partner_pack(wb, e).suggestions for q, e in keys if q == quarter and e in partners
        ]
    found = (
        pd.concat(suggestions, ignore_index=True).drop_duplicates("action_id")
        if suggestions
        else None
    )
    if args.verb == "accept":
        done = act.accept(plans, ids, suggestions=found, action=args.action, owner=args.owner,
                          due=args.due, note=args.note)  # fmt: skip
    else:
        done = act.reject(plans, ids, suggestions=found, note=args.note)
    print(f"{args.verb}ed {len(done)} action(s) in {plans / act.LOG_FILE}")
    return 0
