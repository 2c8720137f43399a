"""What a solver is: a named factory of policies, one policy per episode.

A solver class has a `name` (what `--solver` takes), may add its own command-line options, is
built from the parsed arguments, and makes a fresh `Policy` (harness/policy.py) for every episode.
A policy may report its model's token usage through a `token_usage()` method.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from harness.policy import Policy
from tasks.model import Task


@dataclass(frozen=True)
class EpisodeContext:
    """What a solver knows about the episode it is asked to play."""

    task: Task  # loaded on the client side from the same packs the server serves
    try_index: int  # 0..K-1
    attempt: int  # 0 for the first play of this try; more after system errors
    server_url: str


class Solver(Protocol):
    name: ClassVar[str]
    model: str | None  # recorded with every episode; None for solvers without a model

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None: ...

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Solver: ...

    def policy(self, context: EpisodeContext) -> Policy: ...

    async def aclose(self) -> None: ...


class BaseSolver:
    """Defaults for the optional parts: no options, no model, nothing to close."""

    name: ClassVar[str] = ""
    model: str | None = None

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        pass

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> BaseSolver:
        return cls()

    def policy(self, context: EpisodeContext) -> Policy:
        raise NotImplementedError

    async def aclose(self) -> None:
        pass


def token_usage(policy: Any) -> Mapping[str, int] | None:
    report = getattr(policy, "token_usage", None)
    return report() if callable(report) else None
