"""Which episodes' memory to give back, and when to refuse more. Pure: no I/O.

Every episode counts what it keeps alive (Episode.retained_bytes: edited files, undo history, step
history). The server has a bound on the total, and each owner (bearer token) one on its own share;
finished episodes count too. When a bound would be passed, finished episodes are forgotten, least
recently used first; only when live episodes alone would pass it is the call refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from environment.errors import CapacityReached

log = logging.getLogger(__name__)

MIB = 1024 * 1024


@dataclass(frozen=True)
class Holding:
    episode_id: str
    owner: str
    live: bool
    nbytes: int
    last_used: float


@dataclass(frozen=True)
class Bound:
    nbytes: int
    owner: str | None = None  # None: the whole server
    flag: str = "--max-episodes-memory-mb"

    def covers(self, holding: Holding) -> bool:
        return self.owner is None or holding.owner == self.owner

    def total(self, holdings: list[Holding], live_only: bool = False) -> int:
        return sum(h.nbytes for h in holdings if self.covers(h) and (h.live or not live_only))

    def refusal(self, live: int, extra: int) -> CapacityReached:
        whose = "This server's episodes" if self.owner is None else "Your episodes"
        bound = f"its bound is {self.nbytes / MIB:g} MiB" if self.owner is None else f"the bound per token is {self.nbytes / MIB:g} MiB"
        more = f" and this call needs {extra / MIB:.1f} MiB more" if extra else ""
        return CapacityReached(
            f"{whose} hold {live / MIB:.1f} MiB of code and history{more}; {bound} ({self.flag}). Nothing was changed "
            "and no step was counted: submit episodes you no longer need (or undo large edits) and retry."
        )


def check_room(holdings: list[Holding], bounds: list[Bound], extra: int, new_episode: bool = False) -> None:
    """CapacityReached if live episodes alone leave no room for `extra` more bytes under a bound; a new
    episode (which starts out sharing the task's files) is refused once live episodes reach a bound."""
    for bound in bounds:
        live = bound.total(holdings, live_only=True)
        if live + extra > bound.nbytes or (new_episode and live >= bound.nbytes):
            raise bound.refusal(live, extra)


def to_forget(holdings: list[Holding], bounds: list[Bound], extra: int = 0) -> list[str]:
    """Finished episodes to forget, least recently used first, so that every bound holds `extra` more."""
    forgotten: set[str] = set()
    order: list[str] = []
    for bound in bounds:
        total = sum(h.nbytes for h in holdings if bound.covers(h) and h.episode_id not in forgotten) + extra
        for h in sorted((h for h in holdings if bound.covers(h) and not h.live and h.episode_id not in forgotten), key=lambda h: h.last_used):
            if total <= bound.nbytes:
                break
            forgotten.add(h.episode_id)
            order.append(h.episode_id)
            total -= h.nbytes
    return order


class _Episode(Protocol):
    done: bool

    def retained_bytes(self) -> int: ...


class _Handle(Protocol):
    """What this module reads of the service's EpisodeHandle."""

    episode: _Episode
    owner: str
    last_used: float
    sandbox: object | None

    @property
    def lock(self): ...


def holdings(handles: dict[str, _Handle]) -> list[Holding]:
    return [Holding(eid, h.owner, not h.episode.done, h.episode.retained_bytes(), h.last_used) for eid, h in handles.items()]


@dataclass(frozen=True)
class MemoryBounds:
    """The server's bound and the bound per owner (None: none), applied to the service's handles."""

    total: int
    per_owner: int | None = None

    def bounds(self, owners: set[str]) -> list[Bound]:
        found = [Bound(self.total)]
        if self.per_owner is not None:
            found += [Bound(self.per_owner, owner, "--max-memory-per-token-mb") for owner in sorted(owners)]
        return found

    def make_room(self, handles: dict[str, _Handle], owner: str, extra: int) -> None:
        """Room for `extra` more bytes of `owner`'s: forget finished episodes, least recently used first;
        CapacityReached, with nothing changed, if live episodes alone leave no room."""
        if extra > 0:
            self._room(handles, owner, extra, new_episode=False)

    def admit(self, handles: dict[str, _Handle], owner: str) -> None:
        """Room for a new episode of `owner`'s, the same way."""
        self._room(handles, owner, 0, new_episode=True)

    def _room(self, handles: dict[str, _Handle], owner: str, extra: int, new_episode: bool) -> None:
        held, bounds = holdings(handles), self.bounds({owner})
        check_room(held, bounds, extra, new_episode)
        _forget(handles, to_forget(held, bounds, extra))

    def trim(self, handles: dict[str, _Handle]) -> None:
        """Forget finished episodes while any bound is passed (the step history of live ones grows a little)."""
        _forget(handles, to_forget(holdings(handles), self.bounds({h.owner for h in handles.values()})))


def _forget(handles: dict[str, _Handle], episode_ids: list[str]) -> None:
    for episode_id in episode_ids:
        handle = handles.get(episode_id)
        if handle is not None and handle.episode.done and handle.sandbox is None and not handle.lock.locked():
            log.info("forgetting finished episode %s to stay within the memory bounds", episode_id)
            del handles[episode_id]
