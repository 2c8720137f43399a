"""Domain errors as tool errors: the service's message as the text (what is wrong, what to call
instead), and a failure of the sandbox itself as a text that starts with SANDBOX_FAILURE_CODE."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

from environment.errors import SANDBOX_FAILURE_CODE, DebugboxError, SubmitFailed
from sandbox.base import SandboxError

DOMAIN_ERRORS = (DebugboxError, SandboxError, SubmitFailed)


class SandboxFailure(ToolError):
    """A tool error whose text starts with SANDBOX_FAILURE_CODE; DebugboxMCP hands its text on as it
    is, without the "Error executing tool NAME: " the SDK puts before other tool errors."""


def tool_error(exc: DebugboxError | SandboxError | SubmitFailed) -> ToolError:
    if isinstance(exc, SandboxError):
        return SandboxFailure(
            f"{SANDBOX_FAILURE_CODE} The episode's sandbox failed and the call could not complete: {exc}. The step was "
            "not counted and the code is unchanged; retry the call (a new sandbox is started for it)."
        )
    if isinstance(exc, SubmitFailed):
        return SandboxFailure(
            f"{SANDBOX_FAILURE_CODE} The episode's sandbox failed while scoring the submission: {exc}. A submit is "
            "final, so the episode has ended with score 0; call start_task to begin a new one."
        )
    return ToolError(str(exc))
