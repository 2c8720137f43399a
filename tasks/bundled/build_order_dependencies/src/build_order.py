"""Order build targets so that every target comes after its dependencies."""

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping


class CycleError(ValueError):
    """Raised when dependencies form a cycle; ``targets`` lists the stuck ones."""

    def __init__(self, targets: Iterable[str]) -> None:
        self.targets = sorted(targets)
        super().__init__(f"dependency cycle among: {', '.join(self.targets)}")


def _reverse_edges(dependencies: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Map every target to the targets that list it as a dependency."""
    dependents: dict[str, list[str]] = defaultdict(list)
    for target, needs in dependencies.items():
        for need in needs:
            dependents[need].append(target)
    return dependents


def build_order(dependencies: Mapping[str, Iterable[str]]) -> list[str]:
    """Return all targets, each after its dependencies, ties broken alphabetically.

    Uses Kahn's algorithm with a min-heap of targets whose dependencies are done.
    Raises CycleError if some targets can never be built.
    """
    dependents = _reverse_edges(dependencies)
    waiting = {target: len(needs) for target, needs in dependencies.items()}
    ready = [target for target, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        target = heapq.heappop(ready)
        order.append(target)
        for dependent in dependents[target]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
    if len(order) < len(waiting):
        raise CycleError(set(waiting) - set(order))
    return order


def dependents_of(dependencies: Mapping[str, Iterable[str]], target: str) -> list[str]:
    """Return the sorted targets that depend on ``target`` directly or indirectly."""
    dependents = _reverse_edges(dependencies)
    found: set[str] = set()
    stack = [target]
    while stack:
        for dependent in dependents.get(stack.pop(), []):
            if dependent not in found:
                found.add(dependent)
                stack.append(dependent)
    return sorted(found)
