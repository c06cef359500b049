"""Presentation: the workbook's theme, charts, tables and offline HTML.

- :mod:`.charts` — Altair chart builders and the workbook's one theme;
- :mod:`.html` — the offline renderer, escaping, tables and the notebook → HTML export;
- ``templates/channel_report`` — the nbconvert template of the reports.
"""
