"""The MCP surface of project episodes: the open_project tool and the episodes://{id}/patch resource."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field

from environment import project_results as pr
from environment.errors import DebugboxError
from environment.service import DebugService
from mcp_server.http import caller

STARTS = ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=False, openWorldHint=False)


def add_project_tools(mcp: MCPServer, service: DebugService, call, cleaned) -> None:
    @mcp.tool(annotations=STARTS)
    @cleaned
    async def open_project(
        path: Annotated[str, Field(description="the project's directory: absolute, under a root the server allows (or relative to its only root)")],
        test_command: Annotated[
            str | None,
            Field(description="pytest arguments that select the tests: test files, directories or node ids and at most one -k EXPR, e.g. 'tests/unit -k parse' (default: every test_*.py / *_test.py file)"),
        ] = None,
        max_steps: Annotated[int | None, Field(description="step budget (default: the server's project budget, 100)")] = None,
    ) -> Annotated[CallToolResult, pr.OpenProjectResult]:
        """Open an episode on a copy of the user's project, in a fresh sandbox with the packages it declares.
        The copy skips what .gitignore ignores, VCS internals, virtualenvs, caches, symlinks, binary and
        oversized files; the user's files are never written to. Every file of it is editable, tests
        included; run_tests runs the project's own tests with pytest; submit runs them one last time and
        returns a patch of every change that the user applies with `git apply`. Rewards are 0: there are no
        hidden tests and no score.
        Returns the episode_id that every other tool needs, the files with their roles, what was left
        out, the tests run_tests runs, the numbered main file and the step budget.
        Free: the budget counts the episode's calls after it. A path outside the server's project roots,
        missing or too large is an error that names the limit."""
        return await call(service.open_project(path, test_command, max_steps, owner=caller()))

    @mcp.resource(
        "episodes://{episode_id}/patch",
        mime_type="text/x-diff",
        description="an ended episode's changes as a patch that `git apply` takes (paths relative to the project root); empty when nothing changed",
    )
    async def episode_patch_resource(episode_id: str) -> str:
        try:
            ep = service.episode(episode_id, owner=caller())
        except DebugboxError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        if not ep.done:
            # Like episodes://{id}'s files: the code is read through the tools while the episode runs.
            raise ResourceNotFoundError(f"Episode {episode_id} is still running: its patch is available once it ends (submit).")
        return await service.patch_of(ep)
