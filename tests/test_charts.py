"""Chart builders: one fixed colour per channel, explicit types, tooltips on every mark."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from channel_lib.core.errors import ParameterError
from channel_lib.presentation import charts

CHANNELS = ["DIR", "DIST", "WEB"]


def _bar(frame: pd.DataFrame) -> dict:
    return charts.bar_by_channel(
        frame, "revenue", title="Revenue", value_title="Revenue (USD)", channel_ids=CHANNELS
    ).to_dict()


def _line(frame: pd.DataFrame) -> dict:
    return charts.line_over_time(
        frame, "revenue", title="Revenue", value_title="Revenue (USD)", channel_ids=CHANNELS
    ).to_dict()


def test_a_channel_keeps_its_colour_whichever_channels_a_chart_shows():
    only_web = _bar(pd.DataFrame({"channel_id": ["WEB"], "revenue": [5.0]}))
    all_three = _bar(pd.DataFrame({"channel_id": CHANNELS, "revenue": [1.0, 2.0, 3.0]}))
    line = _line(pd.DataFrame({"channel_id": ["WEB"], "quarter": ["FY2026-Q1"], "revenue": [1.0]}))
    scales = [spec["encoding"]["color"]["scale"] for spec in (only_web, all_three, line)]
    assert all(s == scales[0] for s in scales)
    web = charts.CHANNEL_PALETTE[CHANNELS.index("WEB")]  # its place in channels.csv order
    assert dict(zip(scales[0]["domain"], scales[0]["range"], strict=True))["WEB"] == web


def test_no_channel_colour_is_a_traffic_light_colour():
    # a red or green channel next to red and green lights reads as a status
    assert not set(charts.CHANNEL_PALETTE) & set(charts.LIGHT_COLOURS.values())
    assert len(set(charts.CHANNEL_PALETTE)) == len(charts.CHANNEL_PALETTE)


@pytest.mark.parametrize("build", [_bar, _line], ids=["bar_by_channel", "line_over_time"])
def test_builders_use_explicit_types_titles_with_units_and_tooltips(build):
    frame = pd.DataFrame({"channel_id": ["DIR"], "quarter": ["FY2026-Q1"], "revenue": [1.0]})
    spec = build(frame)
    encoding = spec["encoding"]
    assert all("type" in encoding[ch] for ch in ("x", "y", "color"))
    assert "Revenue (USD)" in (encoding["x"].get("title"), encoding["y"].get("title"))
    assert len(encoding["tooltip"]) >= 2 and spec["title"] == "Revenue"


def test_builders_name_a_missing_column():
    with pytest.raises(ParameterError, match="no column 'revenue'"):
        _bar(pd.DataFrame({"channel_id": ["DIR"], "amount": [1.0]}))


def test_colour_scale_rejects_repeated_channel_ids():
    with pytest.raises(ParameterError, match="repeat"):
        charts.channel_color_scale(["DIR", "DIR"])


def test_importing_charts_alone_enables_the_theme_and_the_offline_renderer():
    # a fresh interpreter: in this one the theme was registered long ago
    code = (
        "import altair as alt\n"
        "from channel_lib import charts\n"
        "print(alt.theme.active, alt.renderers.active)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["channel_workbook", "channel_offline"]


def test_the_theme_is_enabled_once_so_a_theme_chosen_later_stays():
    import altair as alt

    from channel_lib.presentation import offline, theme

    theme.register_theme()
    alt.theme.enable("default")
    try:
        offline.enable_offline_charts()
        assert alt.theme.active == "default"  # the workshop's projector theme survives a reset
    finally:
        alt.theme.enable(theme.THEME_NAME)


def test_html_keeps_every_name_notebooks_and_the_package_import_from_it():
    from channel_lib.presentation import export, html, offline, text

    for name in ("markdown", "table", "escape", "escape_markdown", "column_label", "plus_zero"):
        assert getattr(html, name) is getattr(text, name)
    for name in ("enable_offline_charts", "chart_html", "vega_bundle_html", "offline_renderer",
                 "BUNDLE_MARKER", "CHART_CLASS", "RENDERER_NAME", "_state", "_chart_id"):  # fmt: skip
        assert getattr(html, name) is getattr(offline, name)
    assert html.export_html is export.export_html


def test_charts_re_exports_every_builder_of_its_modules():
    import inspect

    from channel_lib.presentation.charts import (
        alignment,
        basic,
        investment,
        partners,
        signals,
        targets,
        trends,
    )

    for module in (alignment, basic, investment, partners, signals, targets, trends):
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if obj.__module__ == module.__name__ and not name.startswith("_"):
                assert getattr(charts, name) is obj, f"charts.{name}"
