"""The debugger tools of the service: debug_start, debug_command, debug_stop and trace.

A session lives in the episode's sandbox (sandbox/runner.py keeps the debuggee paused between
requests); the episode keeps only its breakpoints (environment/breakpoints.py). The server knows
whether a session is live (EpisodeHandle.debug_live); the runner ends it by itself at any run, and
the service ends it at an edit, so a debuggee never runs code the episode no longer holds, and
never runs beside hidden tests. Each call that does something costs one step and earns no reward
(it does not measure the visible pass rate); errors cost nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import anyio

from environment import runs, views
from environment.breakpoints import MAX_BREAKPOINTS
from environment.debug_results import DebugResult, TraceCallView, TraceResult, TraceStepView
from environment.episode import MAX_CODE_CHARS, Episode, check_text
from environment.errors import BadArgument, quoted
from environment.recording import recorded
from environment.registry import EpisodeHandle
from sandbox.base import Breakpoint, DebugAnswer, DebugStartRequest, RunRequest, Sandbox, SandboxError

MAX_COMMAND_CHARS = 2000
# pdb commands that would wait for terminal input, or end or restart the session behind the
# server's back (the runner refuses them too).
REFUSED = {
    "interact": "`interact` opens a console that waits for terminal input; use `p EXPR`, `pp EXPR` or `!STATEMENT` instead",
    "debug": "`debug` starts a nested debugger that waits for terminal input; use `s` to step into the call instead",
    "commands": "`commands` reads its body from a terminal, which this session has not; use `p` at each stop instead",
    "q": "call debug_stop to end the session",
    "quit": "call debug_stop to end the session",
    "exit": "call debug_stop to end the session",
    "EOF": "call debug_stop to end the session",
    "run": "call debug_start again to restart the program",
    "restart": "call debug_start again to restart the program",
    "source": "`source` is not available here; view_code shows the code",
}
_FUNCTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$|^<module>$")


def refusal(command: str) -> str | None:
    for part in command.split(";;"):
        word = part.strip().split(None, 1)[0] if part.strip() else ""
        if word in REFUSED:
            return f"`{part.strip()[:80]}` is refused here: {REFUSED[word]}. No step was counted."
    return None


def parse_target(ep: Episode, target: str) -> tuple[str | None, str | None]:
    """(test, None) for a visible test file or node id; (None, code) for a Python snippet."""
    target = check_text("target", target, MAX_CODE_CHARS)
    stripped = target.strip()
    if not stripped:
        raise BadArgument("target is empty: give a visible test ('tests/test_x.py::test_name') or Python code to run. No step was counted.")
    path = stripped.split("::", 1)[0]
    if "\n" not in stripped and path in ep.task.test_files:
        if any(c in stripped for c in "\x00\r") or len(stripped) > 1000:
            raise BadArgument("target: a node id is one line of at most 1000 characters.")
        return stripped, None
    looks_like_test = "\n" not in stripped and (path.endswith(".py") or "::" in stripped)
    if looks_like_test:
        raise BadArgument(
            f"target {quoted(stripped)} is not a visible test. Visible test files: {', '.join(sorted(ep.task.test_files))} "
            "(give a file or 'file::test_name'), or give Python code to run. No step was counted."
        )
    try:
        compile(target, "<snippet>", "exec")
    except SyntaxError as exc:
        raise BadArgument(
            f"target is neither a visible test nor valid Python (line {exc.lineno}: {exc.msg}). "
            f"Visible test files: {', '.join(sorted(ep.task.test_files))}. No step was counted."
        ) from None
    except ValueError as exc:
        raise BadArgument(f"target cannot be compiled: {exc}. No step was counted.") from None
    return None, target


class DebuggerTools:
    """Mixed into DebugService: uses its registry, settings, `_active` and `_after_step`."""

    @recorded("debug_start")
    async def debug_start(self, episode_id: str, target: str, breakpoints: list[str] | None, *, owner: str) -> DebugResult:
        if breakpoints is not None and len(breakpoints) > MAX_BREAKPOINTS:
            raise BadArgument(f"at most {MAX_BREAKPOINTS} breakpoints. No step was counted.")
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            test, code = parse_target(ep, target)
            files = ep.readable_files()
            new = ep.breakpoints.parse(list(breakpoints or []), files)
            warnings = ep.breakpoints.still_valid(files)
            ep.breakpoints.add(new)
            settings = self.settings
            request = DebugStartRequest(
                files=ep.workspace_files(),
                test=test,
                code=code,
                breakpoints=[Breakpoint(path=b.path, line=b.line, condition=b.condition) for b in ep.breakpoints.items],
                timeout_s=settings.debug_session_s,
                start_timeout_s=ep.task.spec.run_timeout_s if test else settings.python_timeout_s,
                command_timeout_s=settings.debug_command_timeout_s,
                max_output_bytes=settings.max_output_bytes,
                limits=settings.limits,
                root=ep.task.spec.tests.root,
                pytest_args=list(ep.task.spec.tests.args),
                markers=ep.task.spec.tests.markers,
            )
            answer = await self._in_session(handle, lambda sandbox: sandbox.debug_start(request))
            ep.charge("debug_start", (test or code.strip().splitlines()[0])[:80])
            handle.debug_where = None
            return await self._debug_result(handle, answer, warnings, first=True)

    @recorded("debug_command")
    async def debug_command(self, episode_id: str, command: str, *, owner: str) -> DebugResult:
        command = check_text("command", command, MAX_COMMAND_CHARS).strip()
        if not command or "\n" in command:
            raise BadArgument("command must be one pdb command on one line (e.g. 'n', 'p total', 'b calc.py:12'). No step was counted.")
        why_not = refusal(command)
        if why_not:
            raise BadArgument(why_not)
        async with self._active(episode_id, owner) as handle:
            self._require_session(handle)
            timeout = self.settings.debug_command_timeout_s
            answer = await self._in_session(handle, lambda sandbox: sandbox.debug_command(command, timeout))
            if answer.state == "none":
                handle.debug_live = False
                raise BadArgument(f"No debugger session is live{': ' + answer.ended if answer.ended else ''}. Call debug_start to begin one. No step was counted.")
            handle.episode.charge("debug_command", command[:80])
            return await self._debug_result(handle, answer, [])

    @recorded("debug_stop")
    async def debug_stop(self, episode_id: str, *, owner: str) -> DebugResult:
        async with self._active(episode_id, owner) as handle:
            self._require_session(handle)
            answer = await self._in_session(handle, lambda sandbox: sandbox.debug_stop())
            if answer.state == "none":
                handle.debug_live = False
                raise BadArgument(f"No debugger session is live{': ' + answer.ended if answer.ended else ''}; nothing to stop. No step was counted.")
            handle.episode.charge("debug_stop", "ended the debugger session")
            return await self._debug_result(handle, answer, [])

    @recorded("trace")
    async def trace(self, episode_id: str, target: str, function: str, *, owner: str) -> TraceResult:
        function = (function or "").strip()
        if not _FUNCTION.match(function) or len(function) > 200:
            raise BadArgument(f"function {quoted(function)} must be a function's name ('parse') or 'Class.method'. No step was counted.")
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            test, code = parse_target(ep, target)
            spec = ep.task.spec
            request = RunRequest(
                kind="trace",
                files=ep.workspace_files(),
                targets=[test] if test else [],
                code=code or "",
                trace_function=function,
                timeout_s=spec.run_timeout_s if test else self.settings.python_timeout_s,
                test_timeout_s=spec.test_timeout_s,
                max_output_bytes=self.settings.max_output_bytes,
                limits=self.settings.limits,
                root=spec.tests.root,
                pytest_args=list(spec.tests.args),
                markers=spec.tests.markers,
            )
            result = await runs.run(self.registry, handle, request)
            ep.charge("trace", f"{function} in {(test or code.strip().splitlines()[0])[:60]}")
            trace = result.trace
            if result.tests:
                outcome = ", ".join(f"{t.nodeid} {t.outcome}" + (f" ({t.message.splitlines()[0][:200]})" if t.message else "") for t in result.tests[:5])
            elif result.exception:
                outcome = f"raised {result.exception.type}: {result.exception.message[:300]}"
            else:
                outcome = "timed out" if result.timed_out else "finished"
            calls = []
            source = views.split_lines(ep.readable_files().get(trace.path or "", "")) if trace else []

            def code_of(line: int) -> str:
                return source[line - 1].strip()[:160] if 0 < line <= len(source) else ""

            for call in trace.calls if trace else []:
                steps = []
                for s in call.steps:
                    if s.repeats_of is not None:
                        steps.append(TraceStepView(line=s.repeats_of, changed=s.last_changed, repeated=s.more))
                    elif s.line is not None:
                        steps.append(TraceStepView(line=s.line, changed=s.changed, code=code_of(s.line)))
                calls.append(TraceCallView(args=call.args, steps=steps, returned=call.returned, raised=call.raised))
            return TraceResult(
                **await self._after_step(handle),
                function=function,
                path=trace.path if trace else None,
                calls=calls,
                calls_total=trace.calls_total if trace else 0,
                truncated=bool(trace and trace.truncated),
                outcome=outcome,
                # A snippet's prints; a test's failure is in `outcome` (pytest's report is noise here).
                output_tail="" if test else result.stdout[-2000:],
            )

    # -- the session ----------------------------------------------------------------------

    @staticmethod
    def _require_session(handle: EpisodeHandle) -> None:
        if not handle.debug_live:
            raise BadArgument("No debugger session is live. Call debug_start with a visible test or a snippet first. No step was counted.")

    async def _in_session(self, handle: EpisodeHandle, call: Callable[[Sandbox], Awaitable[DebugAnswer]]) -> DebugAnswer:
        """One debugger request; a sandbox that fails is discarded (the session with it) and the
        call fails without a step; a cancelled call discards it too (the runner may be mid-answer)."""
        if handle.sandbox is None:
            handle.sandbox = await self.registry.provider.acquire(handle.episode.episode_id, environment=handle.episode.task.environment)
        try:
            answer = await call(handle.sandbox)
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                await self.registry.release(handle)
            raise
        except SandboxError:
            await self.registry.release(handle)
            raise
        handle.debug_live = answer.state == "stopped"
        if answer.breakpoints is not None:
            files = handle.episode.readable_files()
            handle.episode.breakpoints.sync([(b.path, b.line, b.condition) for b in answer.breakpoints], files)
        return answer

    async def _debug_result(self, handle: EpisodeHandle, answer: DebugAnswer, warnings: list[str], first: bool = False) -> DebugResult:
        stop = answer.stop
        where = (stop.location.path, stop.location.line, stop.location.function, stop.depth) if stop else None
        moved = first or where != handle.debug_where or bool(stop and stop.changed != {})
        handle.debug_where = where
        return DebugResult(
            **await self._after_step(handle),
            state="stopped" if answer.state == "stopped" else "ended",
            reason=stop.reason if stop else None,
            path=stop.location.path if stop else None,
            line=stop.location.line if stop else None,
            function=stop.location.function if stop else None,
            source=stop.source if stop else "",
            locals=stop.locals if stop else {},
            locals_cut=stop.locals_cut if stop else 0,
            changed=stop.changed if stop else None,
            depth=stop.depth if stop else None,
            output=answer.output,
            program_output=answer.program_output,
            refused=answer.refused,
            breakpoints=[b.shown() for b in handle.episode.breakpoints.items],
            warnings=[*warnings, *answer.warnings],
            ended=answer.ended,
            moved=moved,
            first=first,
        )

    async def end_debug_session(self, handle: EpisodeHandle, why: str) -> None:
        """An edit changed the code: the live session (running the old code) ends now."""
        if not handle.debug_live:
            return
        handle.debug_live = False
        handle.debug_note = why
        if handle.sandbox is not None:
            try:
                await handle.sandbox.debug_stop()
            except SandboxError:
                await self.registry.release(handle)
