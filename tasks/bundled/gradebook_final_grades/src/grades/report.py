"""Final grades and the class report."""

from collections.abc import Mapping
from dataclasses import dataclass

from grades.roster import Roster, drop_lowest
from grades.stats import mean, round_half_up, weighted_mean

_LETTERS = ((90, "A"), (80, "B"), (70, "C"), (60, "D"))


@dataclass(frozen=True)
class CategoryPolicy:
    """How a category counts: its weight and how many of its lowest scores to drop."""

    weight: float
    drop_lowest: int = 0


def final_grade(roster: Roster, name: str, policy: Mapping[str, CategoryPolicy]) -> float | None:
    """Weighted mean of the category means, rounded to one decimal; None without scores."""
    recorded = roster.category_scores(name)
    pairs = []
    found_any = False
    for category, rule in policy.items():
        scores = recorded.get(category, [])
        if not scores:
            pairs.append((0.0, rule.weight))
            continue
        found_any = True
        pairs.append((mean(drop_lowest(scores, rule.drop_lowest)), rule.weight))
    if not found_any:
        return None
    return round_half_up(weighted_mean(pairs), 1)


def letter(grade: float | None) -> str:
    """The letter for a (rounded) grade, ``"-"`` for no grade."""
    if grade is None:
        return "-"
    for threshold, symbol in _LETTERS:
        if grade >= threshold:
            return symbol
    return "F"


def class_report(roster: Roster, policy: Mapping[str, CategoryPolicy]) -> list[str]:
    """One ``"name: grade letter"`` line per student, best grades first."""
    graded = [(final_grade(roster, name, policy), name) for name in roster.students()]
    with_grade = sorted((item for item in graded if item[0] is not None), key=lambda item: (-item[0], item[1]))
    without_grade = sorted(name for grade, name in graded if grade is None)
    lines = [f"{name}: {grade:.1f} {letter(grade)}" for grade, name in with_grade]
    lines += [f"{name}: - -" for name in without_grade]
    return lines
