"""The warm-kernel papermill engine: notebooks run on kernels a worker process keeps warm.

:class:`WarmKernelEngine` is a papermill engine (registered as ``channel_warm``, also through the
``papermill.engine`` entry point) that runs notebooks on a pre-warmed kernel held by the worker
process: the heavy imports (pandas, altair, statsmodels, channel_lib) are paid once per worker;
between notebooks the kernel's namespace is reset (:func:`channel_lib.batch.warm.kernel_reset`:
IPython ``reset``, execution count back to 1, working directory, environment, warning filters,
offline chart renderer) so each notebook sees what a fresh kernel would show it. A notebook that
fails or times out retires its kernel; the next one starts afresh. The running copy of the notebook
is saved every ``autosave_cell_every`` seconds rather than twice per cell.

papermill loads its entry points while it is first imported, so this module imports neither
papermill nor jupyter_client at import time (each is imported where it is used).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Mapping
from multiprocessing.util import Finalize

from channel_lib.core import config
from channel_lib.core.errors import ChannelLibError

#: Name of the warm-kernel engine in papermill's registry.
WARM_ENGINE = "channel_warm"
#: papermill's default engine (a fresh kernel per notebook).
FRESH_ENGINE = "nbclient"
#: The Jupyter kernel reports run on (the kernelspec the notebooks are committed with).
KERNEL_NAME = "python3"
#: Environment variables forwarded from the worker process into a warm kernel before each notebook.
FORWARDED_ENV_PREFIX = config.ENV_PREFIX

#: Code run once in a new warm kernel: the imports every report pays, and the state to restore.
WARM_UP_CODE = '__import__("channel_lib.batch.warm", fromlist=["_"]).kernel_warm_up()\n'
#: ipykernel 7 logs a "running over TCP without encryption" warning for every kernel.
#: The history goes to memory, as nbclient does for fresh kernels (never the user's history file).
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.hist_file=:memory:")


class _WarmKernel:
    """One kernel started and warmed up by a worker process."""

    def __init__(self, kernel_name: str, cwd: str) -> None:
        from jupyter_client.manager import AsyncKernelManager  # deferred: heavy (zmq, tornado)

        self.kernel_name = kernel_name
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        self._run_sync(self._start, cwd)

    @staticmethod
    def _run_sync(fn, *args):
        from jupyter_core.utils import run_sync  # deferred with jupyter_client

        return run_sync(fn)(*args)

    async def _start(self, cwd: str) -> None:
        await self.km.start_kernel(extra_arguments=list(KERNEL_ARGUMENTS), cwd=cwd)
        await self._execute(WARM_UP_CODE, timeout=300)

    async def _execute(self, code: str, timeout: float) -> None:
        kc = self.km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            errors: list[str] = []

            def hook(msg: dict) -> None:
                if msg["msg_type"] == "error":
                    errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

            reply = await kc.execute_interactive(
                code, silent=True, store_history=False, allow_stdin=False,
                timeout=timeout, output_hook=hook,
            )  # fmt: skip
            if reply["content"]["status"] != "ok":
                content = reply["content"]
                raise ChannelLibError(
                    "the warm kernel could not be prepared: "
                    f"{content.get('ename', '')}: {content.get('evalue', '')} {' '.join(errors)}; "
                    "run with --fresh-kernels to bypass the warm pool"
                )
        finally:
            kc.stop_channels()

    def reset(self, cwd: str, env: Mapping[str, str]) -> None:
        # one expression: the reset empties the namespace, so it must not bind a name
        code = f'__import__("channel_lib.batch.warm", fromlist=["_"]).kernel_reset({cwd!r}, {dict(env)!r})\n'
        self._run_sync(self._execute, code, 60)

    def alive(self) -> bool:
        return bool(self._run_sync(self._alive))

    async def _alive(self) -> bool:
        return bool(self.km.has_kernel and await self.km.is_alive())

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self._run_sync(self._shutdown)

    async def _shutdown(self) -> None:
        if self.km.has_kernel:
            await self.km.shutdown_kernel(now=True)
        await self.km.cleanup_resources()


class KernelPool:
    """The idle warm kernels of this process (one per concurrently running notebook)."""

    def __init__(self) -> None:
        self._idle: list[_WarmKernel] = []
        self._lock = threading.Lock()
        self._registered = False

    def _register_exit(self) -> None:
        if not self._registered:
            self._registered = True
            atexit.register(self.shutdown)
            with contextlib.suppress(Exception):  # multiprocessing workers skip atexit
                Finalize(self, KernelPool.shutdown, args=(self,), exitpriority=10)

    def prestart(self, kernel_name: str = KERNEL_NAME, cwd: str | None = None) -> None:
        """Start and warm up one kernel now (a pool worker does it as it starts)."""
        self._register_exit()
        kernel = _WarmKernel(kernel_name, cwd or str(config.PROJECT_ROOT))
        with self._lock:
            self._idle.append(kernel)

    def acquire(self, kernel_name: str, cwd: str, env: Mapping[str, str]) -> _WarmKernel:
        """A warm kernel of ``kernel_name``, reset for the next notebook."""
        self._register_exit()
        with self._lock:
            found = next((k for k in self._idle if k.kernel_name == kernel_name), None)
            if found is not None:
                self._idle.remove(found)
        if found is not None and not found.alive():
            found.shutdown()
            found = None
        kernel = found or _WarmKernel(kernel_name, cwd)
        try:
            kernel.reset(cwd, env)
        except BaseException:
            kernel.shutdown()
            raise
        return kernel

    def release(self, kernel: _WarmKernel, *, healthy: bool) -> None:
        """Give a kernel back after a notebook; an unhealthy one (failure, timeout) is retired."""
        if healthy and kernel.alive():
            with self._lock:
                self._idle.append(kernel)
        else:
            kernel.shutdown()

    def shutdown(self) -> None:
        """Shut down every idle kernel."""
        with self._lock:
            idle, self._idle = self._idle, []
        for kernel in idle:
            kernel.shutdown()


_POOL = KernelPool()


def prestart_kernel() -> None:
    """Start and warm up one kernel of this process now (a pool worker does it as it starts)."""
    _POOL.prestart()


def shutdown_kernels() -> None:
    """Shut down this process's warm kernels (pool workers do it when they exit)."""
    _POOL.shutdown()


_MANAGER: list[type] = []


def _sparse_save_manager() -> type:
    """Papermill's ``NotebookExecutionManager`` saving the running copy only every
    ``autosave_cell_every`` seconds, not at every cell's start and end.

    Papermill rewrites the whole output notebook (serialised and validated) twice per cell. Once
    a chart has put the ~0.9 MB vega bundle into the outputs that costs ~15-30 ms a save, ~50
    saves for notebook 06: more than the pack's own analysis. The running copy is a temporary
    file (:func:`channel_lib.batch.notebook.run_notebook` renames it when the run ends), so the
    per-cell saves only show progress; the autosave interval keeps that for a long cell, and the
    start and end of the notebook (a failure included) are still saved, so the final notebook is
    the same.
    """
    if not _MANAGER:
        # deferred: papermill imports this module's entry point while it is first imported
        from papermill.engines import NotebookExecutionManager

        class SparseSaveManager(NotebookExecutionManager):
            _per_cell = False

            def save(self, **kwargs):
                if not self._per_cell:
                    super().save(**kwargs)

            def _cell_event(self, event, cell, cell_index=None, **kwargs):
                self._per_cell = True
                try:
                    event(cell, cell_index, **kwargs)
                finally:
                    self._per_cell = False
                self.autosave_cell()  # saves when autosave_cell_every seconds have passed

            def cell_start(self, cell, cell_index=None, **kwargs):
                self._cell_event(super().cell_start, cell, cell_index, **kwargs)

            def cell_complete(self, cell, cell_index=None, **kwargs):
                self._cell_event(super().cell_complete, cell, cell_index, **kwargs)

        _MANAGER.append(SparseSaveManager)
    return _MANAGER[0]


class WarmKernelEngine:
    """Papermill engine running notebooks on this process's pre-warmed kernels.

    Use it with ``papermill.execute_notebook(..., engine_name="channel_warm")``; the engine is
    registered by :func:`register_engine` (which :func:`channel_lib.batch.notebook.run_notebook`
    calls) and through the ``papermill.engine`` entry point of the package. Outputs equal a fresh
    kernel's (tested), apart from timing metadata.

    Notes
    -----
    It implements papermill's engine interface (``papermill.engines.Engine``) without subclassing
    it: papermill loads its entry points while it is first imported, so this module must import
    without papermill.
    """

    @classmethod
    def execute_notebook(
        cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
        autosave_cell_every=30, **kwargs,
    ):  # fmt: skip
        """Papermill's ``Engine.execute_notebook``: track the run, then execute it.

        The running copy at ``output_path`` is written when the run starts and ends and every
        ``autosave_cell_every`` seconds between (:func:`_sparse_save_manager`), not at every
        cell as papermill's own engines do.
        """
        nb_man = _sparse_save_manager()(
            nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )  # fmt: skip
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        """The notebook's kernel name (papermill's default rule)."""
        from papermill.utils import nb_kernel_name  # deferred: see the module docstring

        return nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        """The notebook's language (papermill's default rule)."""
        from papermill.utils import nb_language  # deferred: see the module docstring

        return nb_language(nb, language)

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        """Execute ``nb_man.nb`` on a warm kernel (papermill's engine interface)."""
        # deferred: see the module docstring
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import logger

        kwargs.pop("input_path", None)
        kwargs.pop("extra_arguments", None)  # the kernel is already running
        kwargs.pop("timeout", None)
        kwargs.pop("startup_timeout", None)
        env = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_ENV_PREFIX)}
        kernel = _POOL.acquire(kernel_name, os.getcwd(), env)  # papermill chdir'ed to cwd
        healthy = False
        client = PapermillNotebookClient(
            nb_man, km=kernel.km, timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
        )  # fmt: skip
        try:
            client.execute()
            # a cell that failed or timed out (the kernel may still be busy) retires the kernel
            healthy = not nb_man.nb.metadata.get("papermill", {}).get("exception") and not any(
                out.get("output_type") == "error"
                for cell in nb_man.nb.cells
                for out in cell.get("outputs", [])
            )
        finally:
            if client.kc is not None:
                with contextlib.suppress(Exception):
                    client.kc.stop_channels()
                client.kc = None
            _POOL.release(kernel, healthy=healthy)
        return nb_man.nb


def register_engine() -> None:
    """Register :class:`WarmKernelEngine` in papermill's engine registry as ``channel_warm``."""
    from papermill.engines import papermill_engines  # deferred: see the module docstring

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)  # the entry point does it too


__all__ = [
    "FRESH_ENGINE",
    "KERNEL_NAME",
    "WARM_ENGINE",
    "KernelPool",
    "WarmKernelEngine",
    "prestart_kernel",
    "register_engine",
    "shutdown_kernels",
]
