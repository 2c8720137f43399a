"""Students and their recorded scores, by category."""


class Roster:
    """The students of a course and every score recorded for them."""

    def __init__(self) -> None:
        self._scores: dict[str, dict[str, list[float]]] = {}

    def add_student(self, name: str) -> None:
        """Add a student; names must be unique."""
        if name in self._scores:
            raise ValueError(f"{name!r} is already on the roster")
        self._scores[name] = {}

    def students(self) -> list[str]:
        """Student names in order of addition."""
        return list(self._scores)

    def record(self, name: str, category: str, score: float) -> None:
        """Record a score from 0 to 100 for ``name`` in ``category``."""
        if not 0 <= score <= 100:
            raise ValueError(f"score must be between 0 and 100, got {score!r}")
        self._scores[name].setdefault(category, []).append(score)

    def scores(self, name: str, category: str) -> list[float]:
        """The scores of ``name`` in ``category``, in recording order."""
        return list(self._scores[name].get(category, []))

    def category_scores(self, name: str) -> dict[str, list[float]]:
        """Every category of ``name`` with its scores."""
        return self._scores[name]


def drop_lowest(scores: list[float], count: int) -> list[float]:
    """Return the scores without the ``count`` lowest ones, keeping at least one."""
    kept = list(scores)
    for _ in range(min(count, len(kept) - 1)):
        kept.remove(min(kept))
    return kept
