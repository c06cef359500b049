"""Presentation: what a reader sees — the theme, charts, tables, sentences and offline HTML.

- :mod:`.theme` — the channel palette, traffic-light colours, fonts, number formats, the theme;
- :mod:`.charts` — Altair chart builders, one module per notebook topic, behind one short name;
- :mod:`.offline` — the offline chart renderer (the vega bundle on the page, never a CDN);
- :mod:`.text` — data into HTML, escaped: markdown, tables with readers' column labels;
- :mod:`.formats` — how a report table writes each column's values;
- :mod:`.export` — an executed notebook into one self-contained HTML page;
- :mod:`.html` — the flat facade notebooks use (``html.markdown``, ``html.table``, …);
- :mod:`.pages` — one page module per notebook, used by the notebook and its explorer;
- ``templates/channel_report`` — the nbconvert template of the reports.
"""
