"""The episodes `debugbox tasks check` plays through an MCP client, the way an agent would:
  * original: start_task, run_tests, submit, as given (the first one also probes for leaks);
  * solution: start_task, replace_lines with the reference solution (each file it changes), run_tests, submit.
Each returns what the verdict judges: the tool results' counts and, from the recording provider,
the raw runs behind them.
"""

from __future__ import annotations

import logging

import anyio

from environment.errors import SANDBOX_FAILURE_CODE
from harness.checker import leaks
from harness.checker.recording import RecordingProvider
from harness.checker.verdict import Played
from tasks.model import Task

log = logging.getLogger(__name__)

# Every check episode asks for this many steps, so that a task with a small budget (or many files to
# paste the solution into) cannot run out before it is judged; the server must allow it.
EPISODE_STEPS = 1000
PROBE_TIMEOUT_S = 30.0
SANDBOX_RETRY_PAUSES_S = (2.0, 5.0, None)  # three attempts; None: give up


class CheckFailed(Exception):
    """A call the check needs failed; the task is invalid for the reason given."""


async def _ok(client, tool: str, **args):
    """Call a tool that must succeed. A failed sandbox (an overloaded engine, a container that did
    not start in time) says nothing about the task: the call changed nothing, so retry it."""
    for pause in SANDBOX_RETRY_PAUSES_S:
        result = await client.call_tool(tool, args)
        text = leaks.text_of_result(result)
        if not result.is_error:
            return result
        if not text.startswith(SANDBOX_FAILURE_CODE) or pause is None:
            raise CheckFailed(f"{tool} failed: {text[:600]}")
        log.warning("%s: the sandbox failed (%s); retrying in %g s", tool, text[:200], pause)
        await anyio.sleep(pause)
    raise AssertionError("unreachable")


async def play_original(client, task: Task, recorder: RecordingProvider, probe: bool) -> tuple[Played, list[str]]:
    secrets = leaks.fingerprints(task)
    seen: list[tuple[str, str]] = []
    findings: list[str] = []
    start = await _ok(client, "start_task", task_id=task.id, max_steps=EPISODE_STEPS)
    episode = start.structured_content["episode_id"]
    seen.append(("start_task", leaks.text_of_result(start)))
    if probe:
        findings += await _probe_tools(client, task, episode, start.structured_content["sandbox"]["backend"], seen)
    visible = await _ok(client, "run_tests", episode_id=episode)
    seen.append(("run_tests", leaks.text_of_result(visible)))
    submitted = await _ok(client, "submit", episode_id=episode)
    seen.append(("submit", leaks.text_of_result(submitted)))
    if probe:
        state = await client.read_resource(f"episodes://{episode}", cache_mode="bypass")
        seen.append((f"episodes://{episode} after submit", leaks.text_of_resource(state.contents)))
    for where, text in seen:
        findings += leaks.scan(where, text, secrets)
    return _played(recorder, episode, visible, submitted), findings


async def _probe_tools(client, task: Task, episode: str, backend: str, seen: list[tuple[str, str]]) -> list[str]:
    """Try every way an agent could reach a secret file; collect what each way shows."""
    findings = []
    for path in leaks.secret_paths(task):
        for tool, args in (("view_code", {"path": path}), ("replace_lines", {"path": path, "start_line": 1, "end_line": 0, "new_code": "# probe"})):
            result = await client.call_tool(tool, {"episode_id": episode, **args})
            seen.append((f"{tool}({path!r})", leaks.text_of_result(result)))
            if not result.is_error:
                findings.append(f"{tool} accepted the secret path {path!r}")
    findings += await _probe_navigation(client, task, episode, seen)
    probe = await _ok(client, "run_python", episode_id=episode, code=leaks.probe_snippet(task, backend), timeout_s=PROBE_TIMEOUT_S)
    text = leaks.text_of_result(probe)
    seen.append(("run_python", text))
    findings += [f"run_python could open {line[6:].strip()}" for line in text.splitlines() if line.startswith("FOUND ")]
    if "probe done" not in text:
        findings.append("the run_python leak probe did not finish; the sandbox could not be searched")
    seen.append(("list_tasks", leaks.text_of_result(await client.call_tool("list_tasks", {}))))
    for uri in ("tasks://catalog", f"tasks://{task.id}"):
        seen.append((uri, leaks.text_of_resource((await client.read_resource(uri, cache_mode="bypass")).contents)))
    prompt = await client.get_prompt("solve_task", {"task_id": task.id})
    seen.append(("prompt solve_task", "\n".join(getattr(m.content, "text", "") or "" for m in prompt.messages)))
    return findings


async def _probe_navigation(client, task: Task, episode: str, seen: list[tuple[str, str]]) -> list[str]:
    """list_files must not list a secret file; search_code, asked for a line of each, must not show it."""
    findings = []
    listed = await _ok(client, "list_files", episode_id=episode)
    seen.append(("list_files", leaks.text_of_result(listed)))
    secret_paths = set(leaks.secret_paths(task))
    findings += [f"list_files lists the secret file {f['path']!r}" for f in listed.structured_content["files"] if f["path"] in secret_paths]
    by_file: dict[str, str] = {}
    for line, origin in leaks.fingerprints(task).items():
        by_file.setdefault(origin, line)  # one secret line of each secret file
    for origin, line in sorted(by_file.items()):
        result = await _ok(client, "search_code", episode_id=episode, pattern=line[:200], max_results=5)
        # Only the lines found, not the result's echo of the pattern; and a secret line may be a piece
        # of a readable line, so only a whole line shown is a leak (leaks.scan).
        seen.append((f"search_code({line[:40]!r})", "\n".join(result.structured_content["matches"])))
    return findings


async def play_solution(client, task: Task, recorder: RecordingProvider) -> Played:
    start = await _ok(client, "start_task", task_id=task.id, max_steps=EPISODE_STEPS)
    episode = start.structured_content["episode_id"]
    lines = {f["path"]: f["lines"] for f in start.structured_content["files"]}
    originals = task.editable_files()
    for path, text in sorted(task.solution_files.items()):
        if text == originals.get(path):
            continue  # replacing a file by itself is a no-op, which is an error
        await _ok(client, "replace_lines", episode_id=episode, path=path, start_line=1, end_line=lines[path], new_code=text)
    visible = await _ok(client, "run_tests", episode_id=episode)
    submitted = await _ok(client, "submit", episode_id=episode)
    return _played(recorder, episode, visible, submitted)


def _played(recorder: RecordingProvider, episode: str, visible, submitted) -> Played:
    sub = submitted.structured_content
    vis = visible.structured_content
    return Played(
        visible=recorder.pytest_run(episode, hidden=False),
        hidden=recorder.pytest_run(episode, hidden=True),
        visible_passed=vis["passed"],
        visible_total=vis["total"],
        hidden_passed=sub["hidden_passed"],
        hidden_total=sub["hidden_total"],
        score=sub.get("score"),
        resolved=sub.get("resolved"),
        untouched=sub.get("untouched"),
        fail_to_pass=sub.get("fail_to_pass"),
        pass_to_pass=sub.get("pass_to_pass"),
        fixed=sub.get("fixed"),
        broken=sub.get("broken"),
    )
