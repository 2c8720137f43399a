"""Domain errors. Each message says what is wrong and what to call instead; the MCP layer
turns them into tool errors unchanged."""


class DebugboxError(Exception):
    """A bad call: the episode's state is unchanged."""


class UnknownTask(DebugboxError):
    pass


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


class CapacityReached(DebugboxError):
    pass
