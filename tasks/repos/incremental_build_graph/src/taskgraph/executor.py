"""Running a selection incrementally against a workspace of files.

The workspace is a dict of path -> content (a real runner would read and write a directory);
the runner is a callable that takes a job and the files and returns the outputs it wrote.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

from taskgraph.cache import BuildCache
from taskgraph.errors import JobFailed
from taskgraph.fingerprint import job_fingerprint
from taskgraph.graph import Graph
from taskgraph.selectors import select, with_prerequisites
from taskgraph.spec import Job

Runner = Callable[[Job, dict[str, str]], dict[str, str]]


def simulated_runner(job: Job, files: dict[str, str]) -> dict[str, str]:
    """Outputs that depend on exactly what a real build's would: the command, the environment and
    the inputs. A command containing `exit 1` fails."""
    if "exit 1" in job.command:
        raise JobFailed(job.name, "command exited with status 1")
    h = hashlib.sha256(job.command.encode())
    for name, value in job.env:
        h.update(f"{name}={value}".encode())
    for path in sorted(job.inputs):
        h.update(path.encode() + b"\0" + files.get(path, "").encode())
    return {path: f"{job.name}:{path}:{h.hexdigest()[:16]}" for path in job.outputs}


@dataclass
class RunReport:
    ran: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_run


class Executor:
    def __init__(self, graph: Graph, files: dict[str, str] | None = None, cache: BuildCache | None = None, runner: Runner = simulated_runner):
        self.graph = graph
        self.files = dict(files or {})
        self.cache = cache or BuildCache()
        self.runner = runner
        self.history: list[str] = []  # every job run, across runs, in order

    def run(self, selection: list[str] | str | None = None, *, force: bool = False, keep_going: bool = False) -> RunReport:
        """Run the selected jobs and what they need; skip the up-to-date ones. A failure stops
        the run (or, with keep_going, only the jobs that need the failed one)."""
        chosen = with_prerequisites(self.graph, select(self.graph, selection))
        report = RunReport()
        blocked: set[str] = set()
        stopped = False
        for name in self.graph.order(chosen):
            job = self.graph.job(name)
            if stopped or blocked & set(job.needs):
                report.not_run.append(name)
                blocked.add(name)
                continue
            fingerprint = job_fingerprint(job, self.files, report.fingerprints)
            report.fingerprints[name] = fingerprint
            if not force and self.cache.fresh(name, fingerprint, self.files):
                report.up_to_date.append(name)
                continue
            try:
                outputs = self.runner(job, dict(self.files))
                missing = sorted(set(job.outputs) - set(outputs))
                if missing:
                    raise JobFailed(name, f"did not write {', '.join(missing)}")
            except JobFailed as exc:
                report.failed[name] = exc.reason
                self.cache.forget(name)
                blocked.add(name)
                stopped = not keep_going
                continue
            self.files.update(outputs)
            self.cache.record(name, fingerprint, outputs)
            self.history.append(name)
            report.ran.append(name)
        return report

    def touch(self, path: str, content: str) -> None:
        """Change a file of the workspace, as an editor would."""
        self.files[path] = content

    def replace_job(self, job: Job) -> None:
        """Swap in a changed definition of a job (a new command, say)."""
        jobs = [job if j.name == job.name else j for j in self.graph.jobs.values()]
        self.graph = Graph(jobs)
