"""What every interactive explorer shares: batch detection, debouncing, filters, and the base class.

An *explorer* is a few ipywidgets controls, an output area, and two plain methods:

- :meth:`Explorer.compute` — the analysis call of ``channel_lib`` for the controls' values (pure:
  values in, a result out; unit-tested without a browser);
- :meth:`Explorer.render` — the displayable objects (charts, tables, markdown) for that result.

Moving a control calls both through a :class:`Debouncer`, so dragging a slider runs the
recomputation at most twice per burst instead of once per intermediate value. The output area is
replaced as a whole (its ``outputs`` trait is set), which works from any callback context, and
charts are drawn by the offline renderer of :mod:`channel_lib.presentation.html` (no network).

When a notebook runs unattended — the batch runner sets ``CHANNEL_WORKBOOK_BATCH=1`` for its
kernels, and any run outside a Jupyter kernel counts too — :meth:`Explorer.show` renders a static
table of the controls and their default values and creates no widget at all, so reports (and the
executed notebooks behind them) never contain dead widgets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from channel_lib.core import config
from channel_lib.core.errors import ChannelLibError, ParameterError
from channel_lib.core.money import apportion
from channel_lib.interactive.explorers.controls import control_panel
from channel_lib.presentation.html import (
    _in_ipython_kernel,
    chart_html,
    ensure_bundle_on_page,
    markdown,
    table,
)

#: Environment variable the batch runner sets in its kernels: widgets then render static defaults.
BATCH_ENV = config.BATCH_ENV

#: Seconds a burst of control changes must pause before the trailing recomputation runs.
DEFAULT_WAIT = 0.15


def batch_mode() -> bool:
    """Whether the notebook runs unattended (papermill batch, script) rather than in Lab or Voilà.

    True when ``CHANNEL_WORKBOOK_BATCH`` is set to anything but ``""``/``"0"`` (the batch runner
    sets it in its kernels) or when there is no Jupyter kernel at all (a plain Python process).
    Run papermill yourself with ``CHANNEL_WORKBOOK_BATCH=1`` to get the same static output.

    Examples
    --------
    >>> batch_mode()  # doctests run outside a kernel
    True
    """
    if os.environ.get(BATCH_ENV, "") not in ("", "0"):
        return True
    return not _in_ipython_kernel()


class Debouncer:
    """Call ``fn`` on the first change of a burst and once more after the burst, never in between.

    Leading and trailing edge: an idle debouncer runs ``fn`` at once (the first keypress feels
    instant); further calls within ``wait`` seconds of the previous call are coalesced into one
    trailing run with the *latest* arguments, ``wait`` seconds after the last call. So a burst of
    any length costs at most two runs.

    Parameters
    ----------
    fn : callable
        What to run (e.g. an explorer's refresh).
    wait : float
        Quiet time in seconds that ends a burst.
    schedule : callable, optional
        ``schedule(delay, callback) -> handle with .cancel()``. Default: inside a Jupyter kernel,
        its running asyncio loop's ``call_later`` (callbacks then run on the kernel's main thread,
        like the widget callbacks); elsewhere a ``threading.Timer`` — another library's loop
        (Playwright's sync API leaves one set in the main thread) may not run between calls.

    Attributes
    ----------
    runs : int
        How many times ``fn`` has run.

    Examples
    --------
    >>> seen = []
    >>> d = Debouncer(seen.append, wait=0.05)
    >>> for i in range(10):
    ...     d(i)
    >>> d.flush()
    >>> seen, d.runs
    ([0, 9], 2)
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        wait: float = DEFAULT_WAIT,
        *,
        schedule: Callable[[float, Callable[[], None]], Any] | None = None,
    ) -> None:
        self.fn = fn
        self.wait = float(wait)
        self.runs = 0
        self._schedule = schedule
        self._handle: Any = None
        self._pending: tuple[tuple, dict] | None = None
        self._last_call = float("-inf")
        self._lock = threading.RLock()

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        with self._lock:
            now = time.monotonic()
            idle = self._handle is None and now - self._last_call >= self.wait
            self._last_call = now
            if idle:
                self._pending = None
                self._run(args, kwargs)
                self._handle = self._later(self._fire)
                return
            self._pending = (args, kwargs)
            if self._handle is not None:
                self._handle.cancel()
            self._handle = self._later(self._fire)

    def flush(self) -> None:
        """Run the pending trailing call now (if any) and cancel its timer."""
        with self._lock:
            if self._handle is not None:
                self._handle.cancel()
                self._handle = None
            pending, self._pending = self._pending, None
            if pending is not None:
                self._run(*pending)

    def _fire(self) -> None:
        with self._lock:
            self._handle = None
            pending, self._pending = self._pending, None
            if pending is not None:
                self._run(*pending)

    def _run(self, args: tuple, kwargs: dict) -> None:
        self.runs += 1
        self.fn(*args, **kwargs)

    def _later(self, callback: Callable[[], None]) -> Any:
        if self._schedule is not None:
            return self._schedule(self.wait, callback)
        loop = None
        if _in_ipython_kernel():  # only a kernel's loop surely keeps running between callbacks
            with contextlib.suppress(RuntimeError):
                loop = asyncio.get_running_loop()
        if loop is None:
            timer = threading.Timer(self.wait, callback)
            timer.daemon = True
            timer.start()
            return timer
        return loop.call_later(self.wait, callback)


# -- display helpers ------------------------------------------------------------------------------
def mimebundle(obj: Any) -> dict[str, Any]:
    """The display data of ``obj`` as a Jupyter mimebundle (charts drawn by the offline renderer).

    Altair charts become the ``<div>`` + ``vegaEmbed`` call of :func:`channel_lib.presentation.html.chart_html`
    (the vega bundle itself is put on the page once by :meth:`Explorer.show`), without Altair's
    JSON-schema validation: the chart builders' specs are validated where they are tested and in
    every report, and validation was half of an explorer's redraw time. Strings become
    plain text; anything else is formatted by IPython (tables and markdown from
    :mod:`channel_lib.presentation.html` carry ``text/html`` / ``text/markdown``).

    Examples
    --------
    >>> sorted(mimebundle("hello"))
    ['text/plain']
    >>> import altair as alt
    >>> "vegaEmbed" in mimebundle(alt.Chart().mark_point())["text/html"]
    True
    """
    import altair as alt  # deferred: a heavy library, needed here only for a chart

    if isinstance(obj, alt.TopLevelMixin):
        return {
            "text/html": chart_html(obj.to_dict(validate=False)),
            "text/plain": "<Altair chart>",
        }
    if isinstance(obj, str):
        return {"text/plain": obj}
    from IPython.core.formatters import DisplayFormatter  # deferred: only a kernel displays

    data, _ = DisplayFormatter().format(obj)
    return data


def output_records(objects: Iterable[Any]) -> tuple[dict[str, Any], ...]:
    """Output-widget records (``display_data``) for ``objects``, in order; ``None`` is skipped."""
    return tuple(
        {"output_type": "display_data", "data": mimebundle(o), "metadata": {}}
        for o in objects
        if o is not None
    )


def whole_units(amounts: Iterable[float], total: float) -> np.ndarray:
    """Whole currency units for ``amounts`` that add up exactly to ``total`` rounded.

    For tables whose shown numbers must add up to their shown total (targets to the objective,
    a budget split to the budget): each amount gets the floor of its share of the rounded total
    and the units left over go to the largest remainders (:func:`channel_lib.core.money.apportion`),
    so no shown value is more than one unit from its exact amount and the column sums to the
    Total row.

    Parameters
    ----------
    amounts : iterable of float
        Non-negative amounts (currency); their sum should be ``total`` (they are the weights).
    total : float
        The exact total (currency); shown as ``round(total)`` (half away from zero).

    Returns
    -------
    numpy.ndarray of int64
        Whole units, summing to ``round(total)``.

    Examples
    --------
    >>> whole_units([33.34, 33.33, 33.33], 100.0).tolist()
    [34, 33, 33]
    >>> int(whole_units([0.4, 0.4, 0.4], 1.2).sum())
    1
    """
    weights = np.clip(np.nan_to_num(np.asarray(list(amounts), dtype="float64")), 0, None)
    shown = int(Decimal(repr(float(total))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return apportion(max(shown, 0), weights)


# -- the base class -------------------------------------------------------------------------------
class Explorer:
    """Controls that re-run one analysis and redraw its charts (subclass and fill in four members).

    Subclasses set :attr:`title` (and :attr:`intro`, :attr:`labels`) and implement

    - :meth:`initial_values` — the controls' starting values by name (no widgets involved);
    - :meth:`build_controls` — the ipywidgets controls for those names, set to those values;
    - :meth:`compute` — the analysis result for a set of values (keyword = control name);
    - :meth:`render` — the charts, tables and markdown showing a result.

    No widget is created until :attr:`controls` or :attr:`widget` is first used, and in batch mode
    :meth:`show` never uses them: a papermill run opens no widget comms (no widget state lands in
    the executed notebook) and shows a static table of the defaults.

    Parameters
    ----------
    wait : float
        Debounce quiet time in seconds (:class:`Debouncer`).

    Attributes
    ----------
    initial : dict
        The starting values (:meth:`initial_values`).
    result : object
        What the last :meth:`refresh` computed (``None`` before the first).
    refresh_count : int
        How many refreshes ran (the debouncer keeps it low while a slider moves).
    """

    title: str = "Explore"
    #: The notebook whose parameters cell :meth:`parameters` writes lines for.
    notebook: str = ""
    #: One sentence under the title: what the controls change.
    intro: str = ""
    #: Reader-facing name of each control (defaults to the control's name).
    labels: Mapping[str, str] = {}
    #: Titled groups of control names in page order (:func:`.controls.control_panel`): thresholds
    #: apart from filters. Controls in no group follow, untitled.
    groups: Sequence[tuple[str, Sequence[str]]] = ()

    def __init__(self, *, wait: float = DEFAULT_WAIT) -> None:
        self.initial: dict[str, Any] = dict(self.initial_values())
        self.result: Any = None
        self.refresh_count = 0
        self._wait = wait
        self._controls: dict[str, Any] | None = None
        self._output: Any = None
        self._widget: Any = None
        self._debounced = Debouncer(self._refresh_or_say_why, wait)

    # -- to implement -----------------------------------------------------------------------------
    def initial_values(self) -> Mapping[str, Any]:
        """The controls' starting values, by the keyword :meth:`compute` takes."""
        raise NotImplementedError

    def build_controls(self) -> dict[str, Any]:
        """The ipywidgets controls, by name, set to :attr:`initial` (called once, interactively)."""
        raise NotImplementedError

    def compute(self, **values: Any) -> Any:
        """The analysis result for these control values (keyword = control name)."""
        raise NotImplementedError

    def render(self, result: Any) -> list[Any]:
        """The charts, tables and markdown that show ``result``, in page order."""
        raise NotImplementedError

    # -- provided ---------------------------------------------------------------------------------
    @property
    def controls(self) -> dict[str, Any]:
        """The controls (built and wired to :meth:`refresh` through the debouncer on first use)."""
        if self._controls is None:
            self._controls = self.build_controls()
            for control in self._controls.values():
                control.observe(self._changed, names="value")
        return self._controls

    @property
    def output(self):
        """The ``ipywidgets.Output`` area that :meth:`refresh` replaces."""
        if self._output is None:
            import ipywidgets as w  # deferred: batch runs never create a widget

            self._output = w.Output()
        return self._output

    def values(self) -> dict[str, Any]:
        """The controls' current values by name (the initial values while no widget exists)."""
        if self._controls is None:
            return dict(self.initial)
        return {name: control.value for name, control in self._controls.items()}

    def start_at(self, values: Mapping[str, Any]) -> None:
        """Start the controls at ``values`` instead of :meth:`initial_values` (e.g. what was saved).

        Raises
        ------
        ParameterError
            For a name that is not a control, or once the controls exist (move them instead).

        Examples
        --------
        >>> class Demo(Explorer):
        ...     def initial_values(self):
        ...         return {"budget": 1500.0, "method": "blend"}
        >>> d = Demo()
        >>> d.start_at({"budget": 900.0})
        >>> d.values()
        {'budget': 900.0, 'method': 'blend'}
        """
        if self._controls is not None:
            raise ParameterError(
                f"{type(self).__name__}: its controls are built; set their values instead"
            )
        self.initial = complete_values(self, values)

    def parameter_values(self) -> dict[str, Any]:
        """The parameters of :attr:`notebook` the current values set, by parameter name.

        Subclasses map their controls to the notebook's parameters; a control that is no
        parameter there (a filter) is left out. The base class maps none.
        """
        return {}

    def parameters(self) -> list[str]:
        """The current values as lines for the parameters cell of :attr:`notebook`.

        Paste them into the notebook's parameters cell (or pass them to papermill) to re-run
        a finding made live in a batch.

        Returns
        -------
        list of str
            ``name = literal`` lines (:func:`parameter_literal`), in the notebook's order.

        Examples
        --------
        >>> class Demo(Explorer):
        ...     def initial_values(self):
        ...         return {"budget": 1500.0, "channel": "All"}
        ...     def parameter_values(self):
        ...         return {"budget": self.values()["budget"], "objective": "revenue"}
        >>> Demo().parameters()
        ['budget = 1500.0', 'objective = "revenue"']
        """
        return [f"{name} = {parameter_literal(v)}" for name, v in self.parameter_values().items()]

    def defaults(self) -> pd.DataFrame:
        """The controls and their starting values as a two-column frame (for static output).

        Examples
        --------
        >>> class Demo(Explorer):
        ...     labels = {"budget": "Budget per month"}
        ...     def initial_values(self):
        ...         return {"budget": 1500.0, "method": "blend"}
        >>> Demo().defaults().to_dict("list")
        {'control': ['Budget per month', 'method'], 'value': ['1,500', 'blend']}
        """
        return pd.DataFrame(
            {
                "control": [self.labels.get(name, name) for name in self.initial],
                "value": [_describe(v) for v in self.initial.values()],
            }
        )

    def refresh(self) -> Any:
        """Recompute for the current values and replace the output area's contents.

        Returns
        -------
        object
            The new :attr:`result`.
        """
        self.result = self.compute(**self.values())
        self.output.outputs = output_records(self.render(self.result))
        self.refresh_count += 1
        return self.result

    def _changed(self, change: Mapping[str, Any]) -> None:
        self._debounced()

    def _refresh_or_say_why(self) -> None:
        """:meth:`refresh` for a control change: a :class:`~channel_lib.core.errors.ChannelLibError`
        (its message says what to change) is shown in the output area instead of vanishing into
        the kernel's log, where nobody in front of Lab or Voilà would see it."""
        try:
            self.refresh()
        except ChannelLibError as exc:
            self.output.outputs = output_records(
                [markdown("**Could not update:** {message}", message=str(exc))]
            )

    @property
    def widget(self):
        """The whole explorer as one ipywidgets box: title, controls, output (built once).

        The controls are laid out by :func:`.controls.control_panel` in :attr:`groups`, each
        slider with its label above a track of a minimum width (the same in Lab and Voilà).
        """
        if self._widget is None:
            import ipywidgets as w  # deferred: batch runs never create a widget

            header = w.HTML(
                f"<h3>{self.title}</h3>" + (f"<p>{self.intro}</p>" if self.intro else "")
            )
            controls = control_panel(self.controls, self.labels, self.groups)
            self._widget = w.VBox([header, controls, self.output])
        return self._widget

    def show(self):
        """Live controls in JupyterLab / Voilà; a static table of the defaults in batch mode.

        Returns
        -------
        ipywidgets.VBox or IPython.display.HTML
            What the notebook cell should display.
        """
        if batch_mode():
            return table(
                self.defaults(),
                caption=f"{self.title}: interactive controls (open the notebook in JupyterLab "
                "to use them); this report shows their default values",
            )
        # importing charts (theme + offline renderer) resets the "bundle sent" flag: do it before
        # sending the bundle, or the next explorer on the page would send its 0.9 MB again
        from channel_lib.presentation import charts  # noqa: F401

        ensure_bundle_on_page()
        self.refresh()
        return self.widget


def parameter_literal(value: Any) -> str:
    """A value as a Python literal for a parameters cell: strings in double quotes (as ruff
    formats them), floats to 6 significant places, dicts and lists item by item.

    Raises
    ------
    ParameterError
        For a value a parameters cell cannot hold (an object, a frame).

    Examples
    --------
    >>> print(parameter_literal({"max_change": 0.30000000000000004, "region": "North"}))
    {"max_change": 0.3, "region": "North"}
    >>> parameter_literal([0.8, 1]), parameter_literal(None), parameter_literal(True)
    ('[0.8, 1]', 'None', 'True')
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(f"{float(value):.6g}"))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{parameter_literal(str(k))}: {parameter_literal(v)}"
                          for k, v in value.items())  # fmt: skip
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(parameter_literal(v) for v in value) + "]"
    raise ParameterError(f"{type(value).__name__} {value!r} cannot go into a parameters cell")


def _describe(value: Any) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1e4:  # a budget: 760,000 rather than 7.6e+05
            return f"{value:,.0f}"
        return f"{value:,.4g}"
    if isinstance(value, tuple):
        return " to ".join(_describe(v) for v in value)
    return str(value)


def complete_values(explorer: Explorer, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every control the explorer has; unknown names are refused."""
    current = explorer.values()
    unknown = sorted(set(values) - set(current))
    if unknown:
        raise ParameterError(
            f"{type(explorer).__name__} has no control {', '.join(map(repr, unknown))}; its "
            f"controls are {', '.join(current)}"
        )
    return {**current, **values}
