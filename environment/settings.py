"""The service's settings: how many episodes, how long they live, what each may hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from environment.limits import MIB, EpisodeLimits
from sandbox.base import Limits


@dataclass(frozen=True)
class ServiceSettings:
    max_episodes: int = 256
    max_episodes_per_owner: int | None = None  # per bearer token over HTTP
    max_output_bytes: int = 16_000
    python_timeout_s: float = 10.0
    max_python_timeout_s: float = 60.0
    idle_timeout_s: float = 1800.0  # an untouched episode ends and frees its sandbox
    keep_finished_s: float = 3600.0  # a finished episode stays readable (episodes://) this long
    sweep_interval_s: float = 30.0
    limits: Limits = field(default_factory=Limits)
    # What one episode may hold (environment/limits.py says why these defaults).
    max_steps_limit: int = 200
    max_file_chars: int = 500_000
    max_file_lines: int = 20_000
    max_workspace_chars: int = 2_000_000
    max_undo_bytes: int = 8 * MIB
    # What all episodes together may keep in the server's memory, finished ones included
    # (environment/retention.py); per owner as well.
    max_memory_bytes: int = 1024 * MIB
    max_memory_per_owner: int | None = 256 * MIB

    def episode_limits(self) -> EpisodeLimits:
        return EpisodeLimits(
            max_file_chars=self.max_file_chars,
            max_file_lines=self.max_file_lines,
            max_workspace_chars=self.max_workspace_chars,
            max_undo_bytes=self.max_undo_bytes,
            max_steps=self.max_steps_limit,
        )
