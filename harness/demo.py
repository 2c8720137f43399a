"""`debugbox demo`: a real MCP client plays one episode over stdio against `debugbox serve`,
with the task's reference solution as a scripted policy, printing every step."""

from __future__ import annotations

import sys
from typing import Any

from mcp import Client, StdioServerParameters

from tasks.loader import load_catalog


def _show(step: str, result: Any) -> dict[str, Any]:
    text = "\n".join(getattr(block, "text", "") for block in result.content)
    data = result.structured_content or {}
    print(f"\n=== {step} ===")
    print(text)
    if result.is_error:
        raise RuntimeError(f"{step} failed: {text}")
    return data


async def run_demo(task_id: str, backend: str, packs: list[str]) -> int:
    task = load_catalog(packs).get(task_id)
    if task is None:
        print(f"error: no task {task_id!r}; `debugbox tasks list` shows the ids", file=sys.stderr)
        return 2
    args = ["-m", "cli", "serve", "--backend", backend]
    for pack in packs:
        args += ["--tasks", pack]
    server = StdioServerParameters(command=sys.executable, args=args)
    print(f"Starting `debugbox serve` over stdio and solving {task_id} with its reference solution.")
    async with Client(server) as client:
        tools = await client.list_tools()
        print("Server tools:", ", ".join(t.name for t in tools.tools))
        start = _show("start_task", await client.call_tool("start_task", {"task_id": task_id}))
        episode = start["episode_id"]
        _show("view_code", await client.call_tool("view_code", {"episode_id": episode}))
        _show("run_tests (before the fix)", await client.call_tool("run_tests", {"episode_id": episode}))
        lines = {f["path"]: f["lines"] for f in start["files"]}
        for path, fixed in sorted(task.solution_files.items()):
            _show(
                f"replace_lines {path}",
                await client.call_tool(
                    "replace_lines",
                    {"episode_id": episode, "path": path, "start_line": 1, "end_line": lines[path], "new_code": fixed},
                ),
            )
        _show("run_tests (after the fix)", await client.call_tool("run_tests", {"episode_id": episode}))
        final = _show("submit", await client.call_tool("submit", {"episode_id": episode}))
    print(f"\nFinal score: {final['score']:.2f} (resolved: {str(final['resolved']).lower()}, steps: {final['step']})")
    return 0 if final["resolved"] else 1
