"""The workshop run unattended: a static summary of every screen at the default values.

Papermill (the report batch) runs ``notebooks/workshop.ipynb`` like any notebook;
:meth:`~channel_lib.interactive.workshop.app.Workshop.show` then displays this summary instead of
widgets, so the batch's HTML report of the workshop holds no widget.
"""

from __future__ import annotations

import html as _html
from typing import Any

from channel_lib.interactive.workshop.style import status_html

__all__ = ["show_summary"]


def show_summary(ws: Any) -> None:
    """Display every screen's question and its answer at the default values (static), under an
    answer box of the screens' takeaways (:func:`.takeaway.takeaway`).

    Charts are drawn by the offline renderer and tables are escaped: the batch's HTML report
    of the workshop notebook holds no widget.

    Parameters
    ----------
    ws : Workshop
        The app (typed ``Any``: :mod:`.app` imports this module, and an import back would be a
        cycle).
    """
    from IPython.display import HTML, display  # deferred: only a kernel displays (0.2 s)

    from channel_lib.interactive.workshop.takeaway import takeaway
    from channel_lib.presentation.answer import answer_box

    # the answer first: each screen's takeaway, filled in once the screens below are computed
    box = display(answer_box([]), display_id=True)
    found: list[str] = []
    display(HTML(
        f"<h2>Workshop summary: {_html.escape(ws.wb.quarter)}</h2>"
        f"<p>{_html.escape(ws.wb.quarter_reason)} Start the workshop with "
        "<code>channel-workbook workshop</code> to change the assumptions live and save "
        "decisions to the plans folder.</p>"
    ))  # fmt: skip
    for number, screen in enumerate(ws.screens, 1):
        display(HTML(
            f"<h3>{number}. {_html.escape(screen.title)}</h3>"
            f"<p><strong>{_html.escape(screen.question)}</strong></p>"
        ))  # fmt: skip
        try:
            if screen.key == "actions":
                shown: list[Any] = ws.action_picker().static_table()
            elif screen.key == "decisions":  # a batch is no session: nothing decided in it
                shown = [HTML(
                    "<p>Live, this screen lists what the room saved in the session (targets, "
                    "budget split, action decisions) and exports it to the plans folder as "
                    "<code>decisions_&lt;quarter&gt;.html</code>.</p>"
                )]  # fmt: skip
            else:
                exp = ws.explorer(screen.key)
                shown = list(exp.render(exp.compute(**exp.initial)))
        except Exception as exc:  # one failing screen must not hide the rest
            shown = [HTML(status_html(f"This screen could not be computed: {exc}", error=True))]
        for obj in shown:
            if obj is not None:
                display(obj)
        if screen.key not in ("actions", "decisions") and (line := takeaway(ws, screen.key)):
            found.append(f"{screen.title}: {line}")
    box.update(answer_box(found))
