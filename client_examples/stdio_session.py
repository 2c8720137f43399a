"""A plain scripted MCP client: one debugbox episode over stdio, no model involved.

It starts `debugbox serve` as a subprocess, lists the tools, starts the task
`binary_search_off_by_one`, reads the code, runs the tests, fixes the bug with one
replace_lines call (`while lo < hi:` -> `while lo <= hi:`), runs the tests again and submits.
Exit status 0 iff the submission resolved the task.

    python client_examples/stdio_session.py [--backend auto|docker|local]
"""

from __future__ import annotations

import argparse
import sys

import anyio
from mcp import Client, StdioServerParameters

TASK = "binary_search_off_by_one"
BUGGY, FIXED = "    while lo < hi:", "    while lo <= hi:"


async def call(client: Client, tool: str, **args) -> dict:
    """Call a tool, print what a model would read, return the structured result."""
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if k != "episode_id")
    print(f"\n>>> {tool}({shown})")
    result = await client.call_tool(tool, args)
    print("\n".join(block.text for block in result.content if block.type == "text"))
    if result.is_error:
        raise SystemExit(f"{tool} failed")
    return result.structured_content


async def walk(client: Client) -> bool:
    """Play the episode through a connected client; True iff resolved."""
    tools = await client.list_tools()
    print("tools:", ", ".join(tool.name for tool in tools.tools))

    start = await call(client, "start_task", task_id=TASK)
    episode = start["episode_id"]
    print(f"(sandbox: {start['sandbox']['backend']}, isolation: {start['sandbox']['isolation']})")

    # view_code numbers its lines `N|text`: find the line to fix by its text.
    code = (await call(client, "view_code", episode_id=episode))["code"]
    line = next(int(n) for n, text in (row.split("|", 1) for row in code.splitlines()) if text == BUGGY)

    await call(client, "run_tests", episode_id=episode)
    await call(client, "replace_lines", episode_id=episode, start_line=line, end_line=line, new_code=FIXED)
    await call(client, "run_tests", episode_id=episode)
    final = await call(client, "submit", episode_id=episode)
    print(
        f"\nscore {final['score']:.2f} ({final['fixed']} of {final['fail_to_pass']} failing hidden tests fixed, {final['broken']} broken; "
        f"{final['hidden_passed']}/{final['hidden_total']} hidden tests pass), resolved: {final['resolved']}, steps: {final['step']}"
    )
    return final["resolved"]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["auto", "docker", "local"], default="auto")
    args = parser.parse_args()
    server = StdioServerParameters(command=sys.executable, args=["-m", "cli", "serve", "--backend", args.backend])
    async with Client(server) as client:
        return 0 if await walk(client) else 1


if __name__ == "__main__":
    sys.exit(anyio.run(main))
