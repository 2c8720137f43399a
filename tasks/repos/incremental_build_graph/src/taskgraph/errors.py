"""Errors, each naming the job or the Jobfile line at fault."""

from __future__ import annotations


class TaskgraphError(Exception):
    pass


class JobfileError(TaskgraphError):
    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class UnknownJob(TaskgraphError, KeyError):
    def __init__(self, name: str, referenced_by: str | None = None):
        self.name = name
        self.referenced_by = referenced_by
        super().__init__(name)

    def __str__(self) -> str:
        where = f" (needed by {self.referenced_by!r})" if self.referenced_by else ""
        return f"no job named {self.name!r}{where}"


class CycleError(TaskgraphError):
    def __init__(self, cycle: list[str]):
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join(cycle))


class JobFailed(TaskgraphError):
    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"job {name!r} failed: {reason}")
