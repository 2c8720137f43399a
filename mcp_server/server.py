"""The MCP surface: tools, resources and the prompt of DESIGN.md, over a DebugService."""

from __future__ import annotations

import inspect
import json
import logging
from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from environment import debug_results as dr
from environment import navigation as nav
from environment import results as r
from environment import run_results as rr
from environment.errors import DebugboxError, quoted
from environment.service import DebugService
from mcp_server import guide
from mcp_server.arguments import DebugboxMCP
from mcp_server.errors import DOMAIN_ERRORS, tool_error
from mcp_server.http import HttpSecurity, caller
from mcp_server.projects import add_project_tools
from tasks.model import DIFFICULTIES_IN_WORDS

log = logging.getLogger(__name__)
INVALID_PARAMS = -32602



EpisodeId = Annotated[str, Field(description="the episode_id that start_task or open_project returned")]
READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)
RUNS_CODE = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=False, openWorldHint=False)
STARTS = ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=False, openWorldHint=False)
EDITS = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=False, openWorldHint=False)


def _result(model: BaseModel) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=model.text())], structured_content=model.model_dump(mode="json"))


async def _call(coro) -> CallToolResult:
    """Domain errors become tool errors the model can act on; the episode is unchanged."""
    try:
        return _result(await coro)
    except DOMAIN_ERRORS as exc:
        raise tool_error(exc) from None


def cleaned(fn):
    """A tool's description from its docstring without the source's indentation."""
    fn.__doc__ = inspect.cleandoc(fn.__doc__ or "")
    return fn


def build_server(service: DebugService, *, name: str = "debugbox", security: HttpSecurity | None = None) -> MCPServer:
    mcp = DebugboxMCP(
        name,
        instructions=guide.INSTRUCTIONS,
        version="0.1.0",
        token_verifier=security.verifier() if security else None,
        auth=security.auth_settings() if security else None,
    )

    @mcp.custom_route("/healthz", methods=["GET"])
    async def health(request: Request) -> JSONResponse:
        """Liveness for orchestrators; says nothing an anonymous caller should not know."""
        return JSONResponse({"status": "stopping" if service.registry.closing else "ok"}, status_code=503 if service.registry.closing else 200)

    @mcp.tool(annotations=READ_ONLY)
    @cleaned
    async def list_tasks(
        difficulty: Annotated[str | None, Field(description=f"only tasks of this difficulty: {DIFFICULTIES_IN_WORDS}")] = None,
        tag: Annotated[str | None, Field(description="only tasks carrying this tag")] = None,
    ) -> Annotated[CallToolResult, r.TaskList]:
        """List the debugging tasks.
        Returns each task's task_id, title, difficulty and tags.
        Free: it belongs to no episode."""
        try:
            return _result(service.list_tasks(difficulty, tag))
        except DOMAIN_ERRORS as exc:
            raise tool_error(exc) from None

    @mcp.tool(annotations=STARTS)
    @cleaned
    async def start_task(
        task_id: Annotated[str, Field(description="a task_id from list_tasks")],
        max_steps: Annotated[int | None, Field(description="step budget (default: the task's own)")] = None,
    ) -> Annotated[CallToolResult, r.StartTaskResult]:
        """Start an episode of a task in a fresh sandbox.
        Returns the episode_id that every other tool needs, the task description, the files with
        their roles, the numbered main file, the step budget and the reward mode.
        Free: the budget counts the episode's calls after it."""
        return await _call(service.start_task(task_id, max_steps, owner=caller()))

    add_project_tools(mcp, service, _call, cleaned)

    @mcp.tool(annotations=READ_ONLY)
    @cleaned
    async def view_code(
        episode_id: EpisodeId,
        path: Annotated[str | None, Field(description="a source or visible test file (default: the main file)")] = None,
        start_line: Annotated[int | None, Field(description="first line, 1-based (default 1)")] = None,
        end_line: Annotated[int | None, Field(description="last line, inclusive (default: end of file)")] = None,
    ) -> Annotated[CallToolResult, r.ViewCodeResult]:
        """Show lines of a source file or a visible test file.
        Returns them numbered `N|text`, with the file's length in lines.
        Costs one step; a bad path or range is an error and costs none."""
        return await _call(service.view_code(episode_id, path, start_line, end_line, owner=caller()))

    @mcp.tool(annotations=READ_ONLY)
    @cleaned
    async def list_files(
        episode_id: EpisodeId,
        glob: Annotated[
            str | None,
            Field(description="only files matching it: '*.py' (a name in any directory), 'src/**/*.py' (a path from the root; ** spans directories), 'src/pkg' (everything under it)"),
        ] = None,
    ) -> Annotated[CallToolResult, nav.ListFilesResult]:
        """List the files you can read, with their roles and sizes.
        Returns each file's path, role (editable; readonly: a source you may read but not edit; test:
        a visible test), lines and bytes, sorted by path (at most 1000; narrow with glob).
        Costs one step; a glob that matches no file is an error and costs none."""
        return await _call(service.list_files(episode_id, glob, owner=caller()))

    @mcp.tool(annotations=READ_ONLY)
    @cleaned
    async def search_code(
        episode_id: EpisodeId,
        pattern: Annotated[str, Field(description="the text to find within a line (exact, case-sensitive), or a Python regex with regex=true")],
        glob: Annotated[str | None, Field(description="search only files matching it, as in list_files ('*.py', 'src/**/test_*.py', 'src/pkg')")] = None,
        regex: Annotated[bool, Field(description="pattern is a Python regex (re syntax; ^ and $ match at line ends; '(?i)' ignores case)")] = False,
        max_results: Annotated[int | None, Field(description=f"matching lines to show (default {nav.DEFAULT_MAX_RESULTS}, at most {nav.MAX_RESULTS}); all are counted")] = None,
    ) -> Annotated[CallToolResult, nav.SearchCodeResult]:
        """Search the files you can read (sources and visible tests) for a piece of text or a regex.
        Returns the matching lines as `path:line|text` in path order (each line once, long lines cut
        around the match), with the number of matching lines and files; view_code shows the code
        around a match. A search that runs past its time budget stops and says so.
        Costs one step, also when nothing matches; an empty pattern, a bad regex or a glob that
        matches no file is an error and costs none."""
        return await _call(service.search_code(episode_id, pattern, glob, regex, max_results, owner=caller()))

    @mcp.tool(annotations=EDITS)
    @cleaned
    async def replace_lines(
        episode_id: EpisodeId,
        start_line: Annotated[int, Field(description="first line to replace, 1-based")],
        end_line: Annotated[int, Field(description="last line to replace, inclusive; start_line - 1 inserts before start_line")],
        new_code: Annotated[
            str, Field(description="the new lines exactly as written; one trailing newline is ignored; empty deletes the range")
        ],
        path: Annotated[str | None, Field(description="an editable file (default: the main file)")] = None,
    ) -> Annotated[CallToolResult, r.ReplaceLinesResult]:
        """Replace lines start_line..end_line (inclusive) of an editable file with new_code.
        new_code replaces them exactly as written: each of its lines becomes one line of the file,
        indentation included; one trailing newline is ignored ("x" and "x\\n" are the same line), a
        leading newline adds a blank line, "" deletes the range.
        Returns a unified diff, the numbered lines around the edit and a syntax check (a syntax error
        is reported, and the edit still applies).
        Costs one step; an edit that would change nothing is an error and costs none."""
        return await _call(service.replace_lines(episode_id, start_line, end_line, new_code, path, owner=caller()))

    @mcp.tool(annotations=EDITS)
    @cleaned
    async def replace_text(
        episode_id: EpisodeId,
        path: Annotated[str, Field(description="an editable file")],
        old_text: Annotated[str, Field(description="text that occurs exactly once in the file, whitespace included")],
        new_text: Annotated[str, Field(description="what replaces it (empty deletes it)")],
    ) -> Annotated[CallToolResult, r.ReplaceTextResult]:
        """Replace the one exact occurrence of old_text in an editable file with new_text.
        old_text must occur exactly once; when it occurs more than once or not at all, the error
        shows the candidate lines (add surrounding lines to old_text to make it unique).
        Returns a unified diff, the numbered lines around the edit and a syntax check.
        Costs one step; errors (no match, several matches, no change) cost none."""
        return await _call(service.replace_text(episode_id, path, old_text, new_text, owner=caller()))

    @mcp.tool(annotations=READ_ONLY)
    @cleaned
    async def show_diff(episode_id: EpisodeId) -> Annotated[CallToolResult, r.ShowDiffResult]:
        """Show every change made so far against the original files.
        Returns a unified diff of all editable files and the list of files changed.
        Costs one step; with nothing changed it is an error and costs none."""
        return await _call(service.show_diff(episode_id, owner=caller()))

    @mcp.tool(annotations=RUNS_CODE)
    @cleaned
    async def run_tests(
        episode_id: EpisodeId,
        ctx: Context,
        tests: Annotated[
            list[str] | None,
            Field(
                description="run only these (default: every visible test): visible test files ('tests/test_x.py'), "
                "node ids ('tests/test_x.py::test_name', as results list them) and at most one keyword expression "
                "as '-k EXPR' (pytest's -k, e.g. '-k parse and not slow'). No other options. Only a run of every test earns reward"
            ),
        ] = None,
        verbose: Annotated[bool, Field(description="also list each passing test with its duration and printed output")] = False,
    ) -> Annotated[CallToolResult, rr.RunTestsResult]:
        """Run the visible tests (all, or those `tests` selects) against the code as it is now.
        Returns `Tests Passed: N/M`, the failures first with the code around the failing line and
        full assertion diffs, then the passing tests.
        Reward (shaped mode): for a run of every visible test, the change of the visible pass rate
        since the last such run, starting from the original code's, so a regression pays a negative
        reward; over an episode the rewards add up to the submit's score. A selection earns 0.
        Costs one step; a selection that matches no test is an error and costs none."""

        async def progress(done: int, total: int, message: str) -> None:
            await ctx.report_progress(done, total, message)

        return await _call(service.run_tests(episode_id, progress, owner=caller(), tests=tests, verbose=verbose))

    @mcp.tool(annotations=RUNS_CODE)
    @cleaned
    async def run_python(
        episode_id: EpisodeId,
        code: Annotated[str, Field(description="Python to run with the episode's files importable")],
        timeout_s: Annotated[float | None, Field(description="time limit in seconds (default 10, at most 60)")] = None,
    ) -> Annotated[CallToolResult, rr.RunPythonResult]:
        """Run a Python snippet in a scratch copy of the episode's files (like a REPL).
        Returns stdout, stderr and any exception with its traceback. Files it writes are discarded
        after the run.
        Costs one step; empty code is an error and costs none."""
        return await _call(service.run_python(episode_id, code, timeout_s, owner=caller()))

    @mcp.tool(annotations=RUNS_CODE)
    @cleaned
    async def debug_start(
        episode_id: EpisodeId,
        target: Annotated[
            str,
            Field(description="a visible test ('tests/test_x.py::test_name' or a test file), or Python code run with the episode's files importable"),
        ],
        breakpoints: Annotated[
            list[str] | None,
            Field(description="'path:line' or 'path:line if EXPR' on source or visible test files; they persist for the episode until cleared ('cl') or their line changes"),
        ] = None,
    ) -> Annotated[CallToolResult, dr.DebugResult]:
        """Start a pdb session on a visible test or a snippet, in the sandbox, with the code as it is now.
        It runs to the first breakpoint (without any, it stops at the start of the test or snippet),
        or to an uncaught exception (post-mortem at the raising frame), or to the end.
        Returns where it stopped (file, line, function), the numbered source around it, the local
        variables (each repr capped) and the stack depth. An edit, a run, a trace, submit or idle
        time ends the session, and the next result says so.
        Costs one step (reward 0); a target that is neither a visible test nor valid Python, or a bad
        breakpoint, is an error and costs none."""
        return await _call(service.debug_start(episode_id, target, breakpoints, owner=caller()))

    @mcp.tool(annotations=RUNS_CODE)
    @cleaned
    async def debug_command(
        episode_id: EpisodeId,
        command: Annotated[
            str,
            Field(description="one pdb command: n, s, c, r, unt, u, d, w, l, ll, p EXPR, pp EXPR, a, retval, display EXPR, b [path:]line [, cond], tbreak, cl [N], !STATEMENT"),
        ],
    ) -> Annotated[CallToolResult, dr.DebugResult]:
        """Send one pdb command to the live debugger session, in pdb's own syntax.
        Returns pdb's answer, the new location with the source around it, the locals and which of
        them changed since the last stop, what the program printed; or how the session ended. A
        command that runs longer than the server's limit (10 s by default) is interrupted where the
        program is.
        Commands that wait for terminal input (interact, debug, commands) or end the session
        (q: call debug_stop) are refused.
        Costs one step (reward 0); a refused command, or no live session, is an error and costs none."""
        return await _call(service.debug_command(episode_id, command, owner=caller()))

    @mcp.tool(annotations=RUNS_CODE)
    @cleaned
    async def debug_stop(episode_id: EpisodeId) -> Annotated[CallToolResult, dr.DebugResult]:
        """End the live debugger session; its processes are killed. Breakpoints stay for the next debug_start.
        Returns how the session ended.
        Costs one step (reward 0); with no live session it is an error and costs none."""
        return await _call(service.debug_stop(episode_id, owner=caller()))

    @mcp.tool(annotations=RUNS_CODE)
    @cleaned
    async def trace(
        episode_id: EpisodeId,
        target: Annotated[str, Field(description="a visible test ('tests/test_x.py::test_name'), or Python code run with the episode's files importable")],
        function: Annotated[str, Field(description="the function to trace: 'name' or 'Class.method' of the episode's files")],
    ) -> Annotated[CallToolResult, dr.TraceResult]:
        """Run the target once and show the named function's execution line by line.
        Returns the arguments of its first calls, each executed line with the variables
        it changed (reprs capped; a loop's lines are summarised after 3 runs, with counts), and the
        return value or exception; then how the target ended. Finds the first wrong value without
        stepping.
        Costs one step (reward 0); a bad target or function name is an error and costs none."""
        return await _call(service.trace(episode_id, target, function, owner=caller()))

    @mcp.tool(annotations=EDITS)
    @cleaned
    async def undo(episode_id: EpisodeId) -> Annotated[CallToolResult, r.UndoResult]:
        """Revert the last change (replace_lines, replace_text or reset_code).
        Returns the diff it made and a syntax check of the files it restored.
        Costs one step; with nothing to undo it is an error and costs none."""
        return await _call(service.undo(episode_id, owner=caller()))

    @mcp.tool(annotations=EDITS)
    @cleaned
    async def reset_code(episode_id: EpisodeId) -> Annotated[CallToolResult, r.ResetResult]:
        """Restore every editable file to its original content (undo reverts this).
        Returns the diff it made and a syntax check of the restored files.
        Costs one step; when the files are already the originals it is an error and costs none."""
        return await _call(service.reset_code(episode_id, owner=caller()))

    @mcp.tool(annotations=EDITS)
    @cleaned
    async def submit(episode_id: EpisodeId) -> Annotated[CallToolResult, r.SubmitResult]:
        """Score the code on the hidden tests and end the episode (a project episode: run its tests one
        last time and return the patch of every change, in `project`; no score, reward 0).
        Returns the score, what it counted (fixed, broken, fail_to_pass, pass_to_pass) and the raw
        hidden pass count.
        score = (hidden tests the original fails that now pass - hidden tests it passed that now
        fail) / (hidden tests the original fails), at least 0: only your changes count, and
        untouched code scores 0. resolved: every hidden test passes. The raw hidden pass count is
        reported too.
        Reward: the score (shaped mode: minus what visible progress already paid, so the episode's
        rewards add up to the score).
        Costs one step."""
        return await _call(service.submit(episode_id, owner=caller()))

    @mcp.resource("tasks://catalog", mime_type="application/json", description="every task: id, title, difficulty, tags")
    def task_catalog() -> str:
        return service.list_tasks().model_dump_json(indent=2)

    @mcp.resource("tasks://{task_id}", mime_type="text/markdown", description="one task's description and files")
    def task_page(task_id: str) -> str:
        task = service.catalog.get(task_id)
        if task is None:
            raise ResourceNotFoundError(f"No task {quoted(task_id)}; read tasks://catalog for the ids.")
        spec = task.spec
        files = [f"- {p} (editable)" for p in task.editable] + [f"- {p} (visible test)" for p in sorted(task.test_files)]
        return (
            f"# {spec.title}\n\n- id: {spec.id}\n- difficulty: {spec.difficulty.value}\n- kind: {spec.kind.value}\n"
            f"- tags: {', '.join(spec.tags) or '-'}\n- step budget: {spec.max_steps}\n\n"
            f"{task.description.strip()}\n\n## Files\n" + "\n".join(files) + "\n"
        )

    @mcp.resource(
        "episodes://{episode_id}",
        mime_type="application/json",
        description="an episode's state, history and rewards; its files only once it has ended",
    )
    async def episode_state(episode_id: str) -> str:
        try:
            ep = service.episode(episode_id, owner=caller())
        except DebugboxError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        return json.dumps(
            {
                **ep.summary(),
                "history": [h.model_dump() for h in ep.history],
                "submission": ep.outcome.model_dump() if ep.outcome else None,
                # The code is read through view_code, which costs a step: here only once it is over.
                "files": ep.files if ep.done else None,
            },
            indent=2,
        )

    @mcp.resource(
        "episodes://{episode_id}/trajectory",
        mime_type="application/json",
        description="an episode as an ATIF trajectory: each call and the text it returned; the final diff once it has ended",
    )
    async def episode_trajectory(episode_id: str) -> str:
        try:
            return json.dumps(await service.trajectory(episode_id, owner=caller()), indent=1)
        except DebugboxError as exc:
            raise ResourceNotFoundError(str(exc)) from None

    @mcp.resource("debugbox://status", mime_type="application/json", description="episodes, sandbox backend and warm-pool figures")
    def server_status() -> str:
        return json.dumps(service.status(), indent=2)

    @mcp.prompt(description="instructions for an agent to solve one task")
    def solve_task(task_id: str) -> str:
        task = service.catalog.get(task_id)
        if task is None:
            raise MCPError(INVALID_PARAMS, f"No task {quoted(task_id)}; call list_tasks for the ids.")
        return guide.solve_task(task)

    return mcp
