"""The walk of the workshop: its screens, in order, and the revenue-or-profit choices.

Each :class:`Screen` asks one question in one sentence (the seed questions of the design) and
names what the room decides on it; :data:`SCREENS` is the walk, alignment → revenue or profit →
targets → investment → signals → action plan → decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from channel_lib.plans.actions import LOG_FILE
from channel_lib.plans.investment_split import INVESTMENT_FILE
from channel_lib.plans.targets import TARGETS_FILE

__all__ = ["OBJECTIVES", "SCREENS", "Screen"]


@dataclass(frozen=True)
class Screen:
    """One screen of the walk.

    Attributes
    ----------
    key : str
        Identifier (``"investment"``); tests and the static summary use it.
    title : str
        Short name shown in the step indicator.
    question : str
        The one-sentence question the screen answers, shown in large type.
    decision : str
        What the room decides on this screen and where it is saved (``""`` when nothing is).
    """

    key: str
    title: str
    question: str
    decision: str = ""


#: The walk, in order (the seed questions of the design).
SCREENS: tuple[Screen, ...] = (
    Screen(
        "alignment",
        "Alignment",
        "Are the goals and the activity of every channel aligned with the corporate goals?",
    ),
    Screen(
        "revenue_profit",
        "Revenue or profit",
        "Are we managing for revenue, or for revenue and profit?",
        "Decide what the budget is allocated for; the investment screen uses it.",
    ),
    Screen(
        "targets",
        "Targets",
        "What target does each channel get, reflecting its role?",
        f"Save the chosen targets to the plans folder ({TARGETS_FILE}).",
    ),
    Screen(
        "investment",
        "Investment",
        "Which channels should we invest in, and how much?",
        f"Save the budget split to the plans folder ({INVESTMENT_FILE}).",
    ),
    Screen(
        "signals",
        "Signals",
        "Where are the gaps, exceptions and early warnings this quarter?",
    ),
    Screen(
        "actions",
        "Action plan",
        "What do we do about the open actions and the new findings?",
        f"Accept, reject or park each action and save them to the action log ({LOG_FILE}).",
    ),
    Screen(
        "decisions",
        "Decisions",
        "What did we decide today?",
        "Export the decisions as one page to the plans folder, ready to send.",
    ),
)

#: Objectives the revenue-or-profit decision offers to the allocation (label, value).
OBJECTIVES: tuple[tuple[str, str], ...] = (
    ("As goals.yaml says", "goals"),
    ("Revenue", "revenue"),
    ("Gross profit", "gross_profit"),
)
