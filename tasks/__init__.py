"""Task model and pack loading, shared by the server and the client side."""

from tasks.model import Difficulty, Task, TaskKind, TaskSpec
from tasks.loader import Catalog, TaskLoadError, load_catalog, load_pack

__all__ = [
    "Catalog",
    "Difficulty",
    "Task",
    "TaskKind",
    "TaskLoadError",
    "TaskSpec",
    "load_catalog",
    "load_pack",
]
