"""Stages and a simulated schedule: how long a selection takes on N workers."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from taskgraph.graph import Graph


def plan_stages(graph: Graph, names: set[str] | None = None) -> list[list[str]]:
    """Topological stages; inside a stage the longest jobs first (then by name)."""
    return [sorted(stage, key=lambda n: (-graph.job(n).duration, n)) for stage in graph.batches(names)]


def critical_path(graph: Graph, names: set[str] | None = None) -> tuple[float, list[str]]:
    """The longest chain of needs by total duration, and its jobs from first to last."""
    chosen = set(graph.jobs) if names is None else set(names)
    best: dict[str, tuple[float, list[str]]] = {}
    for name in graph.order(chosen):
        job = graph.job(name)
        before = [best[n] for n in job.needs if n in chosen]
        length, path = max(before, key=lambda item: (item[0], [-ord(c) for c in "".join(item[1])]), default=(0.0, []))
        best[name] = (length + job.duration, path + [name])
    if not best:
        return 0.0, []
    return max(best.values(), key=lambda item: (item[0], -len(item[1])))


@dataclass(frozen=True)
class Slot:
    job: str
    worker: int
    start: float
    end: float


@dataclass
class Schedule:
    slots: list[Slot] = field(default_factory=list)

    @property
    def makespan(self) -> float:
        return max((s.end for s in self.slots), default=0.0)

    def slot(self, job: str) -> Slot:
        return next(s for s in self.slots if s.job == job)

    def by_worker(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for s in sorted(self.slots, key=lambda s: (s.worker, s.start)):
            out.setdefault(s.worker, []).append(s.job)
        return out


def simulate(graph: Graph, names: set[str] | None = None, workers: int = 2) -> Schedule:
    """List scheduling: whenever a worker is free, it takes the ready job with the longest
    remaining chain (ties: the name). Needs outside the selection count as done."""
    if workers < 1:
        raise ValueError("at least one worker is needed")
    chosen = set(graph.jobs) if names is None else set(names)
    remaining_chain: dict[str, float] = {}
    for name in reversed(graph.order(chosen)):
        tail = [remaining_chain[d] for d in graph.dependents(name) if d in chosen]
        remaining_chain[name] = graph.job(name).duration + max(tail, default=0.0)
    waiting = {name: {n for n in graph.job(name).needs if n in chosen} for name in chosen}
    finished_at: dict[str, float] = {}
    free = [(0.0, w) for w in range(workers)]
    heapq.heapify(free)
    schedule = Schedule()
    running: list[tuple[float, str]] = []
    ready = sorted((n for n, w in waiting.items() if not w), key=lambda n: (-remaining_chain[n], n))
    now = 0.0
    while ready or running:
        while ready and free and free[0][0] <= now:
            _, worker = heapq.heappop(free)
            name = ready.pop(0)
            end = now + graph.job(name).duration
            schedule.slots.append(Slot(name, worker, now, end))
            heapq.heappush(running, (end, name))
            finished_at[name] = end
        if not running:
            break
        now, done = heapq.heappop(running)
        worker = schedule.slot(done).worker
        heapq.heappush(free, (now, worker))
        for name in sorted(waiting):
            if done in waiting[name]:
                waiting[name].discard(done)
                if not waiting[name]:
                    ready.append(name)
        ready.sort(key=lambda n: (-remaining_chain[n], n))
    return schedule
