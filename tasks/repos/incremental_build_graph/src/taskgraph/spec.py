"""The job model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Job:
    name: str
    command: str
    needs: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # sorted (name, value) pairs: hashable and ordered
    tags: frozenset[str] = field(default_factory=frozenset)
    cpus: int = 1
    duration: float = 1.0  # expected seconds, for scheduling

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"job name {self.name!r} must be lowercase letters, digits, '-' and '_'")
        if not self.command.strip():
            raise ValueError(f"job {self.name!r} has no command")
        if self.name in self.needs:
            raise ValueError(f"job {self.name!r} needs itself")
        if self.cpus < 1:
            raise ValueError(f"job {self.name!r}: cpus must be at least 1")
        if self.duration < 0:
            raise ValueError(f"job {self.name!r}: duration cannot be negative")

    @property
    def environment(self) -> dict[str, str]:
        return dict(self.env)

    def with_command(self, command: str) -> Job:
        from dataclasses import replace

        return replace(self, command=command)
