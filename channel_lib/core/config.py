"""The workbook's configuration in one place: project paths, environment variable names and the
names of the files it writes in the plans folder.

Examples
--------
>>> (PROJECT_ROOT / "pyproject.toml").exists() or not (PROJECT_ROOT / "channel_lib").exists()
True
>>> BATCH_ENV.startswith(ENV_PREFIX) and PREPARED_ENV.startswith(ENV_PREFIX)
True
"""

from __future__ import annotations

from pathlib import Path

#: The folder holding ``channel_lib`` (the project root in a checkout: notebooks resolve their
#: paths from it and papermill runs kernels there).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The report notebooks of a checkout.
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

#: Every environment variable the workbook reads starts with this (the batch forwards them all).
ENV_PREFIX = "CHANNEL_WORKBOOK_"
#: Set to ``1`` by the batch runner in the kernels it starts: explorers then show a static table.
BATCH_ENV = ENV_PREFIX + "BATCH"
#: Folder of the prepared (Parquet) copy of the dataset a batch made, for its notebooks to load.
PREPARED_ENV = ENV_PREFIX + "PREPARED"


def project_root() -> Path:
    """The project folder (holding ``pyproject.toml``), else the current directory.

    Notebooks run with ``notebooks/`` as working directory under JupyterLab and Voilà but with the
    caller's under papermill; resolving a notebook's relative paths here makes both work
    (:func:`channel_lib.data.workbook.resolve_path`).

    Only notebooks use it. Every ``channel-workbook`` command resolves relative paths from the
    current directory instead (``channel_lib.cli.commands.main`` makes them absolute before the
    command runs); ``actions --plans`` and ``workshop --data`` once went through ``resolve_path``
    and so meant a folder of the project (issue 24, point 8).
    """
    return PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").exists() else Path.cwd()


__all__ = [
    "BATCH_ENV",
    "ENV_PREFIX",
    "NOTEBOOKS_DIR",
    "PREPARED_ENV",
    "PROJECT_ROOT",
    "project_root",
]
