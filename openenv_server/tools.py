"""The tools an OpenEnv client calls with CallToolAction: the MCP tools of DESIGN.md, with the same
names and arguments, over the connection's episode.

The episode is the connection's (reset starts it), so `episode_id` is optional here: when given it
must name the connection's episode. `start_task` and `open_project` are not tools here: `reset` is
how an OpenEnv client starts an episode. Each tool's arguments are a pydantic model: it validates a
call and gives the input_schema ListToolsAction returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from environment.service import DebugService


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")
    episode_id: str | None = Field(None, description="optional: the connection's episode (reset started it)")


class NoArgs(Args):
    pass


class ListTasksArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    difficulty: str | None = Field(None, description="only tasks of this difficulty")
    tag: str | None = Field(None, description="only tasks carrying this tag")


class ViewCodeArgs(Args):
    path: str | None = Field(None, description="a source or visible test file (default: the main file)")
    start_line: int | None = Field(None, description="first line, 1-based (default 1)")
    end_line: int | None = Field(None, description="last line, inclusive (default: end of file)")


class ReplaceLinesArgs(Args):
    start_line: int = Field(description="first line to replace, 1-based")
    end_line: int = Field(description="last line to replace, inclusive; start_line - 1 inserts before start_line")
    new_code: str = Field(description="the new lines exactly as written; one trailing newline is ignored; empty deletes the range")
    path: str | None = Field(None, description="an editable file (default: the main file)")


class ReplaceTextArgs(Args):
    path: str = Field(description="an editable file")
    old_text: str = Field(description="text that occurs exactly once in the file, whitespace included")
    new_text: str = Field(description="what replaces it (empty deletes it)")


class ListFilesArgs(Args):
    glob: str | None = Field(None, description="only files matching this glob ('*.py' in any directory, 'pkg/**/*.py', a directory)")


class SearchCodeArgs(Args):
    pattern: str = Field(description="text to find (or a regular expression with regex=true)")
    glob: str | None = Field(None, description="only files matching this glob")
    regex: bool = Field(False, description="pattern is a Python regular expression")
    max_results: int | None = Field(None, description="matching lines to show (default 50, at most 500)")


class RunTestsArgs(Args):
    tests: list[str] | None = Field(
        None,
        description="run only these (default: every visible test): test files, node ids ('tests/test_x.py::test_name') and at "
        "most one '-k EXPR'. Only a run of every test earns reward",
    )
    verbose: bool = Field(False, description="also list each passing test with its duration and printed output")


class RunPythonArgs(Args):
    code: str = Field(description="Python to run with the episode's files importable")
    timeout_s: float | None = Field(None, description="time limit in seconds (default 10, at most 60)")


class DebugStartArgs(Args):
    target: str = Field(description="a visible test ('tests/test_x.py::test_name' or a test file), or Python code")
    breakpoints: list[str] | None = Field(None, description="'path:line' or 'path:line if EXPR' on source or visible test files")


class DebugCommandArgs(Args):
    command: str = Field(description="one pdb command: n, s, c, r, unt, u, d, w, l, ll, p EXPR, pp EXPR, a, retval, b, cl, !STATEMENT")


class TraceArgs(Args):
    target: str = Field(description="a visible test ('tests/test_x.py::test_name'), or Python code")
    function: str = Field(description="the function to trace: 'name' or 'Class.method' of the episode's files")


Call = Callable[[DebugService, str, str, Any], Awaitable[BaseModel]]  # (service, episode_id, owner, args)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    args: type[BaseModel]
    call: Call
    episode: bool = True  # acts on the connection's episode (False: list_tasks)

    def schema(self) -> dict:
        return {"name": self.name, "description": self.description, "input_schema": self.args.model_json_schema()}


def _spec(name: str, description: str, args: type[BaseModel], call: Call, episode: bool = True) -> ToolSpec:
    return ToolSpec(name, description, args, call, episode)


TOOLS: dict[str, ToolSpec] = {
    t.name: t
    for t in [
        _spec(
            "list_tasks",
            "List the debugging tasks (task_id, title, difficulty, tags). Free.",
            ListTasksArgs,
            lambda s, e, o, a: _now(s.list_tasks(a.difficulty, a.tag)),
            episode=False,
        ),
        _spec(
            "list_files",
            "List the readable files with their roles (editable, readonly, test), lines and bytes. Costs one step; a glob that "
            "matches nothing is an error and costs none.",
            ListFilesArgs,
            lambda s, e, o, a: s.list_files(e, a.glob, owner=o),
        ),
        _spec(
            "search_code",
            "Search the readable files for a text or regex. Returns matches as `path:line|text`, counted and capped. Costs one "
            "step; a bad pattern or glob is an error and costs none.",
            SearchCodeArgs,
            lambda s, e, o, a: s.search_code(e, a.pattern, a.glob, a.regex, a.max_results, owner=o),
        ),
        _spec(
            "view_code",
            "Show lines of a source or visible test file, numbered `N|text`. Costs one step; a bad path or range is an error and costs none.",
            ViewCodeArgs,
            lambda s, e, o, a: s.view_code(e, a.path, a.start_line, a.end_line, owner=o),
        ),
        _spec(
            "replace_lines",
            "Replace lines start_line..end_line (inclusive) of an editable file with new_code, exactly as written. Returns a diff, "
            "the lines around the edit and a syntax check. Costs one step; an edit that changes nothing costs none.",
            ReplaceLinesArgs,
            lambda s, e, o, a: s.replace_lines(e, a.start_line, a.end_line, a.new_code, a.path, owner=o),
        ),
        _spec(
            "replace_text",
            "Replace the one exact occurrence of old_text in an editable file with new_text. Returns a diff, the lines around the "
            "edit and a syntax check. Costs one step; errors (no match, several matches, no change) cost none.",
            ReplaceTextArgs,
            lambda s, e, o, a: s.replace_text(e, a.path, a.old_text, a.new_text, owner=o),
        ),
        _spec("show_diff", "Show every change so far against the original files. Costs one step.", NoArgs, lambda s, e, o, a: s.show_diff(e, owner=o)),
        _spec(
            "run_tests",
            "Run the visible tests (all, or those `tests` selects). Returns `Tests Passed: N/M`, failures first with the code "
            "around the failing line. Reward (shaped): the change of the visible pass rate since the last full run. Costs one step.",
            RunTestsArgs,
            lambda s, e, o, a: s.run_tests(e, None, owner=o, tests=a.tests, verbose=a.verbose),
        ),
        _spec(
            "run_python",
            "Run a Python snippet in a scratch copy of the episode's files. Returns stdout, stderr and any exception. Costs one step.",
            RunPythonArgs,
            lambda s, e, o, a: s.run_python(e, a.code, a.timeout_s, owner=o),
        ),
        _spec(
            "debug_start",
            "Start a pdb session on a visible test or a snippet; it stops at the first breakpoint, the start, or a failure. Costs one step.",
            DebugStartArgs,
            lambda s, e, o, a: s.debug_start(e, a.target, a.breakpoints, owner=o),
        ),
        _spec(
            "debug_command",
            "Send one pdb command to the live debugger session. Costs one step.",
            DebugCommandArgs,
            lambda s, e, o, a: s.debug_command(e, a.command, owner=o),
        ),
        _spec("debug_stop", "End the live debugger session. Costs one step.", NoArgs, lambda s, e, o, a: s.debug_stop(e, owner=o)),
        _spec(
            "trace",
            "Run the target once and show the named function's execution line by line with the values that changed. Costs one step.",
            TraceArgs,
            lambda s, e, o, a: s.trace(e, a.target, a.function, owner=o),
        ),
        _spec("undo", "Revert the last change. Costs one step.", NoArgs, lambda s, e, o, a: s.undo(e, owner=o)),
        _spec("reset_code", "Restore every editable file to its original content (undoable). Costs one step.", NoArgs, lambda s, e, o, a: s.reset_code(e, owner=o)),
        _spec(
            "submit",
            "Score the code on the hidden tests and end the episode. score = (hidden tests the original fails that now pass - "
            "those it passed that now fail) / (those it fails), at least 0. Costs one step.",
            NoArgs,
            lambda s, e, o, a: s.submit(e, owner=o),
        ),
    ]
}


async def _now(value: BaseModel) -> BaseModel:
    return value


def tool_list() -> list[dict]:
    return [t.schema() for t in TOOLS.values()]
