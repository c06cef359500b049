"""The plans folder: what the workbook writes for the company to approve and carry forward.

- :mod:`.actions` — the action log carried across quarters (``actions.csv``) and its rule table;
- :mod:`.targets` — the targets target setting saves (``targets.csv``), read back for attainment.
"""
