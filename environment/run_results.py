"""Results of runs in the sandbox: the visible tests (run_tests) and a snippet (run_python), as
structured content and as the text a model reads: failures first, each fact once."""

from __future__ import annotations

from pydantic import BaseModel, Field

from environment.results import EpisodeStatus

MAX_PASSES_LISTED = 50


class TestReport(BaseModel):
    test: str
    outcome: str
    message: str = Field(default="", description="the error in one line or a few: 'Type: message'")
    details: str = Field(default="", description="the traceback through the episode's own files, then the error (assertion diffs in full)")
    params: dict[str, str] | None = Field(default=None, description="a parametrized test's arguments (reprs)")
    captured: str | None = Field(default=None, description="what the test printed (stdout, stderr, logging), by phase")
    duration_s: float | None = None
    location: str | None = Field(default=None, description="deepest traceback line in an editable file, path:line")
    context: str | None = Field(default=None, description="numbered lines around that location")

    def text(self) -> str:
        header = f"{self.outcome.upper()} {self.test}"
        if self.params:
            header += " with " + ", ".join(f"{name}={value}" for name, value in self.params.items())
        if self.duration_s is not None and self.outcome == "passed":
            header += f" ({self.duration_s:.2f} s)"
        # The message is the details' last lines: said once, in the header only when alone.
        if self.message and not self.details:
            header += f": {self.message}"
        lines = [header]
        if self.details:
            lines.append(self.details.rstrip())
        if self.captured:
            lines.append(self.captured.rstrip())
        if self.location and self.context:
            lines.append(f"Around {self.location}:\n{self.context}")
        return "\n".join(lines)


class RunTestsResult(EpisodeStatus):
    summary: str = Field(description="'Tests Passed: N/M'")
    passed: int
    failed: int
    errors: int
    timed_out: int
    skipped: int
    not_run: int
    total: int
    status: str = Field(description="ok, timeout (the run hit its time limit) or crashed")
    failures: list[TestReport] = Field(description="failing, erroring and timed-out tests, first")
    collection_errors: list[TestReport]
    passing: list[str]
    passing_details: list[TestReport] = Field(default=[], description="verbose runs: each passing test with its duration and output")
    selection: list[str] | None = Field(default=None, description="the tests argument of a run restricted to some tests")
    output_tail: str = Field(description="pytest's own output, head and tail; shown only when no test result explains the run")
    output_truncated: bool
    duration_s: float

    def text(self) -> str:
        parts = [self.summary]
        if self.selection:
            parts[0] += f" (selected: {', '.join(self.selection)}; only a run of every test earns reward)"
        if self.status == "timeout":
            parts.append("The run hit its time limit; tests that did not finish count as failed.")
        elif self.status == "crashed":
            parts.append(
                "The test process was killed by a signal (SIGKILL: usually the sandbox's memory limit); "
                "tests that did not finish count as failed."
            )
        parts += [r.text() for r in self.collection_errors]
        parts += [r.text() for r in self.failures]
        if self.passing_details:
            parts += [r.text() for r in self.passing_details]
        elif self.passing:
            shown = self.passing[:MAX_PASSES_LISTED]
            more = f" (+{len(self.passing) - len(shown)} more)" if len(self.passing) > len(shown) else ""
            parts.append("PASSED: " + ", ".join(shown) + more)
        # pytest's terminal report repeats the failures above; it is shown only when nothing else
        # explains the run (a broken conftest.py, an internal error).
        if self.output_tail.strip() and not (self.failures or self.collection_errors or self.passing or self.skipped):
            parts.append(f"pytest output:\n{self.output_tail.rstrip()}")
        parts.append(self.footer())
        return "\n\n".join(parts)


class RunPythonResult(EpisodeStatus):
    stdout: str
    stderr: str
    exception: str | None = Field(default=None, description="'Type: message' if the snippet raised")
    traceback: str | None = None
    location: str | None = None
    context: str | None = None
    exit_code: int | None = None
    killed_by_signal: int | None = Field(default=None, description="set when the snippet's process was killed (9: often out of memory)")
    timed_out: bool
    time_limit_s: float | None = Field(default=None, description="the run's time limit")
    output_truncated: bool
    duration_s: float

    def text(self) -> str:
        parts = []
        limit = f" {self.time_limit_s:g} s" if self.time_limit_s else ""
        if self.timed_out and self.traceback:
            parts.append(f"TIMED OUT: the snippet was stopped at its{limit} time limit; the traceback below shows where it was.")
        elif self.timed_out:
            parts.append(
                f"TIMED OUT: the snippet was killed at its{limit} time limit (it did not stop when interrupted: "
                "stuck in C code, or catching BaseException)."
            )
        elif self.killed_by_signal is not None:
            hint = " (SIGKILL: usually the sandbox's memory limit)" if self.killed_by_signal == 9 else ""
            parts.append(f"KILLED: the snippet's process died from signal {self.killed_by_signal}{hint}.")
        # A long output keeps its head and tail; the cut is marked in it with its size.
        parts.append(f"stdout:\n{self.stdout.rstrip()}" if self.stdout.strip() else "stdout: (empty)")
        if self.stderr.strip():
            parts.append(f"stderr:\n{self.stderr.rstrip()}")
        if self.traceback:
            parts.append(self.traceback.rstrip())
        if self.location and self.context:
            parts.append(f"Around {self.location}:\n{self.context}")
        parts.append(self.footer())
        return "\n\n".join(parts)
