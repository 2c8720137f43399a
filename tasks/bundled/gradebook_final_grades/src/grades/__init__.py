"""Record course scores and compute final grades.

:mod:`grades.stats` has the arithmetic, :mod:`grades.roster` stores scores, and
:mod:`grades.report` turns them into final grades and a class report.
"""

from grades.report import CategoryPolicy, class_report, final_grade, letter
from grades.roster import Roster, drop_lowest
from grades.stats import mean, round_half_up, weighted_mean

__all__ = [
    "CategoryPolicy",
    "Roster",
    "class_report",
    "drop_lowest",
    "final_grade",
    "letter",
    "mean",
    "round_half_up",
    "weighted_mean",
]
