"""channel_lib — the helper package of the Channel Performance Workbook.

raw files → validated :class:`~channel_lib.data.Dataset` → analysis functions returning tidy
DataFrames → chart builders → thin notebooks → papermill batch → self-contained HTML reports.
"""

from .calendar import FiscalCalendar
from .data import Dataset, load_dataset
from .errors import ChannelLibError, DataValidationError, ParameterError, Problem
from .workbook import open_workbook

__version__ = "0.1.0"

__all__ = [
    "ChannelLibError",
    "DataValidationError",
    "Dataset",
    "FiscalCalendar",
    "ParameterError",
    "Problem",
    "load_dataset",
    "open_workbook",
]
