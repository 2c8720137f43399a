"""Domain errors. Each message says what is wrong and what to call instead; a front end turns them
into its own errors unchanged."""

MAX_QUOTED_CHARS = 80

# A failure of the sandbox itself (a SandboxError that survived one replacement, or SubmitFailed),
# not of the agent's code: a front end starts the error's text with this code, and clients (the
# evaluator, the task checker) recognise it by it, never by the words after it.
SANDBOX_FAILURE_CODE = "[sandbox_failure]"


def quoted(value: object) -> str:
    """repr() of a caller's value for a message, cut short: a 10 MB id must not make a 10 MB error."""
    text = repr(value)
    if len(text) <= MAX_QUOTED_CHARS:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:MAX_QUOTED_CHARS]}...{size}"


class DebugboxError(Exception):
    """A bad call: the episode's state is unchanged."""


class UnknownTask(DebugboxError):
    pass


class TaskUnavailable(DebugboxError):
    """The task exists but cannot start: its [environment] cannot be installed (the message names
    the package). A fault of the task, not of the agent or the sandbox: retrying does not help."""


class UnknownEpisode(DebugboxError):
    pass


class EpisodeFinished(DebugboxError):
    pass


class BadArgument(DebugboxError):
    pass


class NotEditable(DebugboxError):
    pass


class NothingToUndo(DebugboxError):
    pass


class NoChange(DebugboxError):
    """A call that would change nothing: an error, so that it costs no step (DESIGN.md, Steps)."""


class CapacityReached(DebugboxError):
    pass


class SubmitFailed(Exception):
    """The sandbox failed while scoring a submission (after one replacement). A submit is final, so
    the episode has ended anyway: retrying must not buy another look at the hidden tests."""
