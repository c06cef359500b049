"""Where the explorers save: the plans folder, never the dataset folder.

:func:`plans_folder` is the one check both saving explorers (targets, allocation) make before
they write.
"""

from __future__ import annotations

from pathlib import Path

from channel_lib.core.errors import ParameterError
from channel_lib.data.workbook import Workbook, resolve_path


def plans_folder(wb: Workbook, plans_dir: str | Path | None) -> Path:
    """The plans folder to write to, refusing the dataset folder (read only) and its subfolders."""
    plans = wb.plans_dir if plans_dir is None else resolve_path(plans_dir)
    data = Path(wb.dataset.folder).resolve()
    if plans.resolve() == data or data in plans.resolve().parents:
        raise ParameterError(
            f"plans_dir {plans} lies inside the dataset folder {data}, which is read only; "
            "choose a separate folder such as plans/"
        )
    return plans
