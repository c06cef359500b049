"""Batches: the report notebooks run by papermill into quarterly HTML reports.

Imports go one way: ``run`` → ``index`` → ``planning`` → ``records`` → ``notebook`` →
``engine``, and ``run`` → ``executors`` → ``notebook``; a warm kernel imports only ``warm``.

- :mod:`.run` — the orchestrator: a batch from its parameters to the report index and manifest;
- :mod:`.planning` — which notebooks and partner packs run for which quarters (and resume);
- :mod:`.index` — each quarter's ``index.html`` and ``manifest.json``;
- :mod:`.records` — the batch's parameters, a quarter's plan, one report's outcome;
- :mod:`.executors` — where reports run: a local process pool or a Dask cluster;
- :mod:`.notebook` — one report: papermill on the notebook, then the offline HTML page;
- :mod:`.engine` — the warm-kernel papermill engine and the kernels it keeps;
- :mod:`.warm` — what runs inside a warm kernel (warm-up, reset between notebooks).
"""
