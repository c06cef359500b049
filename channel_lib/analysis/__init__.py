"""The analyses: a ``Workbook`` (or tidy frames) in, frames and result objects out.

No module here draws a chart, writes HTML or builds a widget (``make lint`` checks it):

- :mod:`.overview` — the quarter's headline KPIs (notebook 00);
- :mod:`.alignment` — channel goals and activity against the corporate goals (01);
- :mod:`.targets` — the objective split into channel and partner targets (02);
- :mod:`.investment` — response curves and the budget split (03);
- :mod:`.trends` — revenue and profit over time, forecasts (04);
- :mod:`.signals`, :mod:`.scorecard` — early warnings, exceptions, scorecards (05);
- :mod:`.partner_review` — one partner's quarterly business review (06).
"""
