"""The analyses: a ``Workbook`` (or tidy frames) in, frames and result objects out.

No module here draws a chart, writes HTML or builds a widget (import-linter checks it); what a
reader sees of a result is its notebook's page in :mod:`channel_lib.presentation.pages`.

- :mod:`.overview` — the quarter's headline KPIs (notebook 00);
- :mod:`.alignment` — channel goals and activity against the corporate goals (01);
- :mod:`.targets` — the objective split into channel and partner targets, the metrics model (02);
- :mod:`.investment` — response curves, the budget split and its scenarios (03);
- :mod:`.trends` — revenue and profit over time: series, tests, bridge, forecasts (04);
- :mod:`.signals`, :mod:`.scorecard` — early warnings, exceptions, scorecards, portfolio (05);
- :mod:`.partner_review` — one partner's quarterly business review and the action cycle (06).
"""
