"""The dependency graph of a set of jobs."""

from __future__ import annotations

from toposort import CircularDependencyError, toposort

from taskgraph.errors import CycleError, UnknownJob
from taskgraph.spec import Job


class Graph:
    def __init__(self, jobs: list[Job]):
        self.jobs: dict[str, Job] = {}
        for job in jobs:
            if job.name in self.jobs:
                raise ValueError(f"job {job.name!r} is defined twice")
            self.jobs[job.name] = job
        self._dependents: dict[str, set[str]] = {name: set() for name in self.jobs}
        for job in jobs:
            for need in job.needs:
                if need not in self.jobs:
                    raise UnknownJob(need, referenced_by=job.name)
                self._dependents[need].add(job.name)
        self._check_cycles()

    def __contains__(self, name: object) -> bool:
        return name in self.jobs

    def __len__(self) -> int:
        return len(self.jobs)

    def job(self, name: str) -> Job:
        try:
            return self.jobs[name]
        except KeyError:
            raise UnknownJob(name) from None

    def dependencies(self, name: str) -> set[str]:
        return set(self.job(name).needs)

    def dependents(self, name: str) -> set[str]:
        self.job(name)
        return set(self._dependents[name])

    def ancestors(self, name: str) -> set[str]:
        """Every job `name` needs, directly or not."""
        found: set[str] = set()
        stack = list(self.job(name).needs)
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.jobs[current].needs)
        return found

    def descendants(self, name: str) -> set[str]:
        """Every job that needs `name`, directly or not."""
        found: set[str] = set()
        for child in self.dependents(name):
            if child not in found:
                found.add(child)
        return found

    def _check_cycles(self) -> None:
        try:
            list(toposort({name: set(job.needs) for name, job in self.jobs.items()}))
        except CircularDependencyError as exc:
            raise CycleError(self._find_cycle(set(exc.data))) from None

    def _find_cycle(self, suspects: set[str]) -> list[str]:
        """One cycle among the jobs toposort could not order, as a path that ends where it began."""
        start = min(suspects)
        path, seen = [start], {start: 0}
        current = start
        while True:
            current = min(n for n in self.jobs[current].needs if n in suspects)
            if current in seen:
                return path[seen[current] :] + [current]
            seen[current] = len(path)
            path.append(current)

    def batches(self, names: set[str] | None = None) -> list[list[str]]:
        """Topological layers of the chosen jobs (all by default), each sorted by name. A job's
        needs outside the chosen set are taken as done."""
        chosen = set(self.jobs) if names is None else set(names)
        data = {name: set(self.jobs[name].needs) & chosen for name in chosen}
        return [sorted(layer) for layer in toposort(data)]

    def order(self, names: set[str] | None = None) -> list[str]:
        return [name for layer in self.batches(names) for name in layer]

    def roots(self) -> list[str]:
        return sorted(name for name, job in self.jobs.items() if not job.needs)

    def leaves(self) -> list[str]:
        return sorted(name for name, children in self._dependents.items() if not children)
