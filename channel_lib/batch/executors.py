"""Where a batch's reports run: a local process pool or a Dask cluster.

:func:`make_executor` gives a process pool (``forkserver`` start method: report runs change the
working directory and environment of their process, so they never share one as threads would),
or a ``distributed.Client`` executor when a scheduler address is given. Each pool worker watches
the batch process (it exits when the batch is killed) and warms a kernel up as it starts
(:mod:`channel_lib.batch.engine`). The task the executors run is
:func:`channel_lib.batch.notebook.execute_task`.

The names of :mod:`channel_lib.batch.engine` and :mod:`channel_lib.batch.notebook` that callers
import from here stay importable here; the ``papermill.engine`` entry point of the package is
``channel_lib.batch.engine:WarmKernelEngine``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from channel_lib.batch.engine import (
    FRESH_ENGINE,
    WARM_ENGINE,
    KernelPool,
    WarmKernelEngine,
    prestart_kernel,
    register_engine,
    shutdown_kernels,
)
from channel_lib.batch.notebook import ReportTask, error_message, execute_task
from channel_lib.core.errors import ChannelLibError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process took the id
        return True
    return True


def _watch_batch(batch_pid: int) -> None:  # pragma: no cover - runs in pool workers
    # a pool worker's parent is the forkserver, which outlives a killed batch: watch the batch
    while True:
        time.sleep(0.5)
        if not _alive(batch_pid):  # the batch was killed: do not run on as an orphan
            shutdown_kernels()
            os._exit(1)


def worker_init(warm: bool = True, batch_pid: int | None = None) -> None:  # pragma: no cover
    """Initialiser of a process-pool worker: exit with the batch, and warm a kernel up early."""
    if batch_pid is not None:
        threading.Thread(target=_watch_batch, args=(batch_pid,), daemon=True).start()
    if warm:
        with contextlib.suppress(Exception):  # the first task reports a failure properly
            prestart_kernel()


@contextlib.contextmanager
def make_executor(
    workers: int | None = None, *, scheduler: str | None = None, warm: bool = True
) -> Iterator[Executor]:
    """A :class:`concurrent.futures.Executor` for report tasks; shut down on exit.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the local pool (default: the number of cores). Ignored with
        ``scheduler``.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``); needs the
        ``distributed`` extra (``pip install 'channel-workbook[distributed]'``). Its workers must
        see the same paths (notebooks, dataset, output folder) and have ``channel_lib`` installed;
        run them with one thread each (``--nthreads 1``).
    warm : bool
        Start a warm kernel in each local worker as the pool starts.

    Yields
    ------
    concurrent.futures.Executor

    Raises
    ------
    ChannelLibError
        When ``scheduler`` is given and ``distributed`` is not installed.
    """
    if scheduler:
        try:
            from distributed import Client  # deferred: an optional extra, and heavy
        except ImportError as exc:
            raise ChannelLibError(
                "--scheduler needs Dask distributed: pip install 'channel-workbook[distributed]' "
                "(or run without --scheduler for the local process pool)"
            ) from exc
        with Client(scheduler) as client:
            executor = client.get_executor(pure=False)
            try:
                yield executor
            finally:
                executor.shutdown(wait=True)
        return
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        max_workers=max(1, workers or os.cpu_count() or 1),
        mp_context=multiprocessing.get_context(method),
        initializer=worker_init,
        initargs=(warm, os.getpid()),
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


__all__ = [
    "FRESH_ENGINE",
    "WARM_ENGINE",
    "KernelPool",
    "ReportTask",
    "WarmKernelEngine",
    "error_message",
    "execute_task",
    "make_executor",
    "register_engine",
    "shutdown_kernels",
    "worker_init",
]
