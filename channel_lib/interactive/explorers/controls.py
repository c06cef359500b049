"""The explorers' controls laid out for any width: labelled sliders and titled groups of controls.

- :func:`slider` — a float slider with no inline description (its label goes above it), a
  minimum track width and a readout wide enough for its largest value;
- :func:`labelled` — a control with its label above it, in a box of fixed minimum width;
- :func:`control_panel` — the explorer's controls in titled groups (thresholds apart from
  filters), each group a wrapping row of labelled controls.

An inline description takes its width from the track: a long label (*Our sales through the
partner change (|change|)*) at the projector's 22 px type left a 0 px track, on which a mouse
drag can only land at an end of the range. A label above the track and a minimum track width
keep every slider draggable in JupyterLab's narrow cells and in Voilà alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CONTROL_WIDTH",
    "MIN_TRACK_WIDTH",
    "control_panel",
    "labelled",
    "slider",
]

#: Width of one labelled control (its box), CSS.
CONTROL_WIDTH = "22em"
#: The smallest width of a slider's track with its readout, CSS (the drag lands within a step).
MIN_TRACK_WIDTH = "260px"


def slider(
    label: str, *, value: float, min: float, max: float, step: float, readout_format: str
) -> Any:
    """A ``FloatSlider`` for ``label`` that keeps a usable track at any width.

    Parameters
    ----------
    label : str
        What the slider sets, in the reader's words (shown above it by :func:`labelled`, and as
        its tooltip).
    value, min, max, step : float
        Start, range and step (in the control's unit: a share 0–1, currency, a weight).
    readout_format : str
        d3-format of the readout (``".0%"``, ``",.0f"``).

    Returns
    -------
    ipywidgets.FloatSlider
        With no inline description, ``min_width`` :data:`MIN_TRACK_WIDTH`, as wide as
        its box.

    Examples
    --------
    >>> s = slider("Budget", value=5.0, min=0.0, max=10.0, step=0.5, readout_format=".1f")
    >>> s.description, s.tooltip, s.layout.min_width
    ('', 'Budget', '260px')
    """
    import ipywidgets as w  # deferred: batch runs never create a widget

    return w.FloatSlider(
        value=value, min=min, max=max, step=step, readout_format=readout_format,
        description="", tooltip=label, continuous_update=True,
        layout=w.Layout(min_width=MIN_TRACK_WIDTH, width="auto"),
    )  # fmt: skip


def labelled(name: str, label: str, control: Any) -> Any:
    """``control`` in a box with ``label`` above it (a slider) or as it is (its own description).

    Parameters
    ----------
    name : str
        The control's name (the box carries the CSS classes ``cw-control`` and
        ``cw-control-<name>``).
    label : str
        The reader-facing label.
    control : ipywidgets widget

    Returns
    -------
    ipywidgets.VBox

    Examples
    --------
    >>> box = labelled("budget", "Budget per month", slider(
    ...     "Budget per month", value=1.0, min=0.0, max=2.0, step=0.1, readout_format=".1f"))
    >>> box.children[0].value, box._dom_classes
    ('<b>Budget per month</b>', ('cw-control', 'cw-control-budget'))
    """
    import html as _html

    import ipywidgets as w  # deferred: batch runs never create a widget

    children = [control]
    if not getattr(control, "description", ""):
        title = w.HTML(f"<b>{_html.escape(label)}</b>")
        title.add_class("cw-control-label")
        children = [title, control]
    box = w.VBox(
        children, layout=w.Layout(min_width=CONTROL_WIDTH, width=CONTROL_WIDTH,
                                  margin="0 2em 0.6em 0")
    )  # fmt: skip
    box.add_class("cw-control")
    box.add_class(f"cw-control-{name}")
    return box


def control_panel(
    controls: Mapping[str, Any],
    labels: Mapping[str, str],
    groups: Sequence[tuple[str, Sequence[str]]] = (),
) -> Any:
    """The controls in titled groups, each a wrapping row of :func:`labelled` boxes.

    Parameters
    ----------
    controls : mapping
        The explorer's controls by name.
    labels : mapping
        Reader-facing label by name (default: the name).
    groups : sequence of (title, names)
        Groups in page order (``""``: no title); controls in no group follow in one untitled
        group.

    Returns
    -------
    ipywidgets.VBox

    Examples
    --------
    >>> make = lambda: slider("x", value=0.0, min=0.0, max=1.0, step=0.1, readout_format=".1f")
    >>> panel = control_panel({"a": make(), "b": make()}, {}, [("Thresholds", ["b"])])
    >>> [g._dom_classes for g in panel.children]
    [('cw-group',), ('cw-group',)]
    >>> panel.children[0].children[0].value
    "<p class='cw-group-title'>Thresholds</p>"
    """
    import html as _html

    import ipywidgets as w  # deferred: batch runs never create a widget

    named = [(title, [n for n in names if n in controls]) for title, names in groups]
    placed = {n for _, names in named for n in names}
    rest = [n for n in controls if n not in placed]
    if rest:
        named.append(("", rest))
    boxes = []
    for title, names in named:
        if not names:
            continue
        row = w.HBox(
            [labelled(n, labels.get(n, n), controls[n]) for n in names],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-end"),
        )
        head = [w.HTML(f"<p class='cw-group-title'>{_html.escape(title)}</p>")] if title else []
        group = w.VBox([*head, row])
        group.add_class("cw-group")
        boxes.append(group)
    return w.VBox(boxes)
