"""A small incremental build runner."""

from taskgraph.cache import BuildCache
from taskgraph.errors import CycleError, JobfileError, TaskgraphError, UnknownJob
from taskgraph.executor import Executor, RunReport
from taskgraph.graph import Graph
from taskgraph.parser import parse_jobfile
from taskgraph.planner import plan_stages, simulate
from taskgraph.selectors import select
from taskgraph.spec import Job

__all__ = [
    "BuildCache",
    "CycleError",
    "Executor",
    "Graph",
    "Job",
    "JobfileError",
    "RunReport",
    "TaskgraphError",
    "UnknownJob",
    "parse_jobfile",
    "plan_stages",
    "select",
    "simulate",
]
