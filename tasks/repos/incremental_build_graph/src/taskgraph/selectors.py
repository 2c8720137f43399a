"""Selection expressions: which jobs a run covers.

    compile        one job
    test-*         every job whose name matches the glob
    compile+       the job and everything it needs
    +fetch         the job and everything that needs it (directly or not)
    tag:lint       every job with the tag
    !slow-test     remove a job (or a glob, or a tag:) from what the earlier expressions chose

Expressions are applied left to right; an empty selection is every job.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from taskgraph.errors import UnknownJob
from taskgraph.graph import Graph


def _match(graph: Graph, expression: str) -> set[str]:
    if expression.startswith("tag:"):
        tag = expression[4:]
        return {name for name, job in graph.jobs.items() if tag in job.tags}
    if any(ch in expression for ch in "*?["):
        found = {name for name in graph.jobs if fnmatchcase(name, expression)}
        if not found:
            raise UnknownJob(expression)
        return found
    graph.job(expression)
    return {expression}


def expand(graph: Graph, expression: str) -> set[str]:
    expression = expression.strip()
    if expression.endswith("+"):
        base = _match(graph, expression[:-1])
        return base.union(*(graph.ancestors(name) for name in base))
    if expression.startswith("+"):
        base = _match(graph, expression[1:])
        return base.union(*(graph.descendants(name) for name in base))
    return _match(graph, expression)


def select(graph: Graph, expressions: list[str] | str | None = None) -> set[str]:
    if isinstance(expressions, str):
        expressions = expressions.split()
    if not expressions:
        return set(graph.jobs)
    chosen: set[str] = set()
    for expression in expressions:
        if expression.startswith("!"):
            chosen -= expand(graph, expression[1:])
        else:
            chosen |= expand(graph, expression)
    return chosen


def with_prerequisites(graph: Graph, names: set[str]) -> set[str]:
    """The names plus everything they need: what must have run for them to run."""
    return set(names).union(*(graph.ancestors(n) for n in names))
