"""Chart builders: one fixed colour per channel, explicit types, tooltips on every mark."""

from __future__ import annotations

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
