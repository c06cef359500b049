"""How the workshop looks on a projector: large type, a larger chart theme, status lines.

- :data:`CSS` — the large-type stylesheet, scoped to the app's box (class ``cw-workshop``);
- :func:`enable_projector_theme` — the workbook's Altair theme, larger and wider;
- :func:`status_html` — the line under a *Save* button (red when it reports an error).
"""

from __future__ import annotations

import copy
import html as _html

__all__ = ["CSS", "enable_projector_theme", "status_html"]


#: Large type for a projector: injected once, scoped to the app's box (class ``cw-workshop``).
CSS = """
<style>
.cw-workshop { font-size: 22px; line-height: 1.4; max-width: 1500px;
  --jp-widgets-font-size: 20px; --jp-widgets-inline-height: 40px;
  --jp-widgets-inline-label-width: 220px; --jp-widgets-inline-width: 560px;
  --jp-widgets-slider-handle-size: 22px; }
.cw-workshop h1 { font-size: 40px; margin: 0 0 0.1em; }
.cw-workshop h2 { font-size: 34px; margin: 0.3em 0; }
.cw-workshop h3 { font-size: 28px; margin: 0.3em 0; }
.cw-workshop p, .cw-workshop li { font-size: 22px; }
.cw-workshop .cw-question { font-size: 36px; font-weight: 600; line-height: 1.2;
  margin: 0.4em 0 0.3em; scroll-margin-top: 80px; }
.cw-workshop .cw-decision { font-size: 22px; color: #444; margin: 0.2em 0; }
.cw-workshop .cw-takeaway { font-size: 24px; font-weight: 600; line-height: 1.3; color: #1a1a1a;
  border-left: 6px solid #2b6cb0; padding: 2px 0 2px 12px; margin: 0.2em 0 0.4em; }
.cw-workshop .cw-step, .cw-workshop details p { font-size: 20px; color: #555; }
.cw-workshop .cw-status { font-size: 22px; font-weight: 600; }
.cw-workshop .cw-status.cw-error { color: #b00020; }
.cw-workshop table { font-size: 20px; }
.cw-workshop table caption { font-size: 20px; }
.cw-workshop .widget-button, .cw-workshop .widget-toggle-button { font-size: 20px;
  height: 44px; }
.cw-workshop .widget-readout { font-size: 20px; min-width: 6em; overflow: visible; }
.cw-workshop .widget-slider { margin-right: 36px; }
.cw-workshop .cw-control .widget-slider { margin-right: 0; }
.cw-workshop .cw-control { width: 26em !important; min-width: 26em !important; }
.cw-workshop .cw-control-label { font-size: 20px; }
.cw-workshop .cw-group-title { font-size: 20px; font-weight: 600; color: #555;
  margin: 0.4em 0 0.1em; text-transform: uppercase; letter-spacing: 0.04em; }
.cw-workshop .cw-nav { gap: 12px; border-bottom: 2px solid #ddd; padding: 6px 0 8px;
  position: sticky; top: 0; z-index: 10; background: #fff; }
.cw-workshop .cw-explorer > .widget-html:first-child h3 { display: none; }
.cw-workshop .cw-bar { gap: 24px; }
.cw-workshop .cw-chart { zoom: 1.3; max-width: 100%; overflow-x: auto; }
.cw-workshop .cw-action-row { border-bottom: 1px solid #ddd; padding: 6px 0; }
.cw-workshop .cw-action-fields { gap: 8px; align-items: center; }
.cw-workshop .cw-action { font-size: 22px; line-height: 1.3; }
.cw-workshop .cw-evidence { font-size: 20px; line-height: 1.3; color: #555; }
.cw-workshop input[type="checkbox"] { width: 24px; height: 24px; }
</style>
"""


def enable_projector_theme() -> None:
    """Register and enable ``channel_workshop``: the workbook theme, larger and wider."""
    # deferred: altair and the chart theme load only when the live app is first shown
    import altair as alt

    from channel_lib.presentation.charts import channel_workbook

    if "channel_workshop" not in alt.theme.names():

        @alt.theme.register("channel_workshop", enable=False)
        def channel_workshop() -> alt.theme.ThemeConfig:
            config = copy.deepcopy(channel_workbook()["config"])
            config["view"].update(continuousWidth=900, continuousHeight=420)
            config["title"]["fontSize"] = 24
            config["axis"].update(labelFontSize=17, titleFontSize=19)
            config["legend"].update(labelFontSize=17, titleFontSize=19)
            config["header"].update(labelFontSize=18, titleFontSize=18)
            return {"config": config}

    alt.theme.enable("channel_workshop")


def status_html(text: str, *, error: bool = False) -> str:
    """A status line as HTML (the text escaped); red when it reports an error."""
    cls = "cw-status cw-error" if error else "cw-status"
    return f"<p class='{cls}'>{_html.escape(text)}</p>"
