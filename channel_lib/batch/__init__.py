"""Batches: the report notebooks run by papermill into quarterly HTML reports.

- :mod:`.run` — a batch from its parameters to the report index and manifest;
- :mod:`.executors` — parallel executors, the warm-kernel papermill engine, one notebook's task;
- :mod:`.warm` — what runs inside a warm kernel (warm-up, reset between notebooks).
"""
