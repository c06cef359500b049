"""The plans folder: what the workbook writes for the company to approve and carry forward.

One module per file, each its one reader and its one writer (every write atomic); modules here
import only :mod:`channel_lib.core`, so the data layer can read them too:

- :mod:`.targets` — the targets target setting saves (``targets.csv``), read back for attainment;
- :mod:`.investment_split` — the budget split the allocation explorer saves (``investment.csv``);
- :mod:`.actions` — the action log carried across quarters (``actions.csv``) and its rule table
  (``action_rules.csv``, packaged; a plans folder's own copy overrides it trigger by trigger);
- :mod:`.signals_export` — the quarter's signal list (``signals_<quarter>.csv``).
"""
