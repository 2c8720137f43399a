"""Results of the debugger tools (debug_start, debug_command, debug_stop) and of trace: structured
content and the text a model reads: where it stopped, the code around it, the values, what changed."""

from __future__ import annotations

from pydantic import BaseModel, Field

from environment.results import EpisodeStatus


class DebugResult(EpisodeStatus):
    state: str = Field(description="stopped (the session waits for debug_command) or ended")
    reason: str | None = Field(default=None, description="why it stopped: start, breakpoint, step, call, return, exception, post-mortem, interrupted")
    path: str | None = None
    line: int | None = None
    function: str | None = None
    source: str = Field(default="", description="numbered lines around the current one, marked ->")
    locals: dict[str, str] = Field(default_factory=dict, description="local variables: name -> repr (capped)")
    locals_cut: int = 0
    changed: dict[str, str] | None = Field(default=None, description="locals changed since the previous stop in the same frame")
    depth: int | None = Field(default=None, description="stack depth of the current frame, counted from the test or snippet")
    output: str = Field(default="", description="what pdb printed for the command")
    program_output: str = Field(default="", description="what the program printed meanwhile")
    refused: str | None = None
    breakpoints: list[str] = Field(default_factory=list, description="the episode's breakpoints after this call")
    warnings: list[str] = Field(default_factory=list)
    ended: str | None = Field(default=None, description="why the session ended")
    moved: bool = Field(default=True, description="false when the command left the location and the locals as they were")
    first: bool = Field(default=False, description="the first stop of a session")

    def text(self) -> str:
        parts = []
        if self.refused:
            parts.append(f"REFUSED: {self.refused}. The session is unchanged.")
        parts += [f"Warning: {w}" for w in self.warnings]
        if self.output.strip():
            parts.append(self.output.rstrip())
        if self.program_output.strip():
            parts.append(f"Program output:\n{self.program_output.rstrip()}")
        if self.state == "stopped" and not self.moved:
            parts.append(f"Still at {self.path}:{self.line} in {self.function}(), depth {self.depth}; nothing changed.")
        elif self.state == "stopped":
            where = f"Stopped ({self.reason}) at {self.path}:{self.line} in {self.function}(), depth {self.depth}:"
            parts.append(f"{where}\n{self.source}")
            if self.locals:
                shown = "\n".join(f"  {k} = {v}" for k, v in self.locals.items())
                cut = f"\n  ... {self.locals_cut} more not shown (p NAME shows one)" if self.locals_cut else ""
                parts.append(f"Locals:\n{shown}{cut}")
            if self.changed:
                parts.append("Changed since the last stop: " + ", ".join(f"{k} = {v}" for k, v in self.changed.items()))
            if self.first:
                parts.append("Next: debug_command with a pdb command (n, s, c, r, unt, u, d, w, l, ll, p EXPR, b, cl, ...), or debug_stop.")
        else:
            parts.append(f"The debugger session has ended: {self.ended}.")
        if self.breakpoints:
            parts.append("Breakpoints: " + ", ".join(self.breakpoints))
        parts.append(self.footer())
        return "\n\n".join(parts)


class TraceStepView(BaseModel):
    line: int
    changed: dict[str, str] = Field(default_factory=dict)
    repeated: int = Field(default=0, description="for a loop summary: how many more times this line ran")
    code: str = Field(default="", description="the line's source")


class TraceCallView(BaseModel):
    args: dict[str, str]
    steps: list[TraceStepView]
    returned: str | None = None
    raised: str | None = None


class TraceResult(EpisodeStatus):
    function: str
    path: str | None = None
    calls: list[TraceCallView] = Field(default_factory=list, description="the first calls, line by line")
    calls_total: int = 0
    truncated: bool = False
    outcome: str = Field(default="", description="how the target ended: test outcomes, or the snippet's exception")
    output_tail: str = ""

    def text(self) -> str:
        if not self.calls_total:
            body = f"{self.function}() was not called by the target ({self.outcome}). Check the name (a function or Class.method of the episode's files) and the target."
            return f"{body}\n\n{self.footer()}"
        parts = [f"Trace of {self.function}() in {self.path}: {self.calls_total} call(s), the first {len(self.calls)} shown. Target: {self.outcome}."]
        for number, call in enumerate(self.calls, 1):
            args = ", ".join(f"{k}={v}" for k, v in call.args.items())
            lines = [f"Call {number}: {self.function}({args})"]
            for step in call.steps:
                values = ", ".join(f"{k} = {v}" for k, v in step.changed.items())
                if step.repeated:
                    lines.append(f"  ... line {step.line} ran {step.repeated} more times (loop); last values: {values or 'unchanged'}")
                else:
                    lines.append(f"  {step.line}|{step.code}" + (f"   => {values}" if values else ""))
            lines.append(f"  raised {call.raised}" if call.raised else f"  returned {call.returned}")
            parts.append("\n".join(lines))
        if self.truncated:
            parts.append("(trace cut at its size limit)")
        if self.output_tail.strip():
            parts.append(f"Output:\n{self.output_tail.rstrip()}")
        parts.append(self.footer())
        return "\n\n".join(parts)
