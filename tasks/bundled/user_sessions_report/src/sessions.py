"""Group click events into per-user sessions and summarize them."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

DEFAULT_GAP = 1800


class Event(NamedTuple):
    """One click by ``user`` at ``timestamp`` (seconds)."""

    user: str
    timestamp: int


@dataclass
class Session:
    """Consecutive events of one user with no pause longer than the gap."""

    user: str
    start: int
    end: int
    count: int

    @property
    def duration(self) -> int:
        """Seconds between the first and the last event of the session."""
        return self.end - self.start


class UserSummary(NamedTuple):
    """Per-user totals over all of the user's sessions."""

    sessions: int
    total_seconds: int
    longest_seconds: int


def sessionize(events: Iterable[Event], gap: int = DEFAULT_GAP) -> list[Session]:
    """Split the events into sessions, ordered by start time and then user."""
    if not isinstance(gap, int) or gap <= 0:
        raise ValueError(f"gap must be a positive number of seconds, got {gap!r}")
    sessions: list[Session] = []
    for event in sorted(events, key=lambda e: e.timestamp):
        current = None
        for session in reversed(sessions):
            if session.user == event.user:
                current = session
                break
        if current is not None and event.timestamp - current.end < gap:
            current.end = event.timestamp
            current.count += 1
        else:
            sessions.append(Session(event.user, event.timestamp, event.timestamp, 1))
    sessions.sort(key=lambda s: (s.start, s.user))
    return sessions


def user_summaries(sessions: Iterable[Session]) -> dict[str, UserSummary]:
    """Count, total and longest session duration for every user."""
    summaries: dict[str, UserSummary] = {}
    for session in sessions:
        count, total, longest = summaries.get(session.user, (0, 0, 0))
        summaries[session.user] = UserSummary(count + 1, total + session.duration, max(longest, session.duration))
    return summaries


def average_duration(sessions: Iterable[Session]) -> float:
    """Mean session duration in seconds, 0.0 when there are no sessions."""
    durations = [session.duration for session in sessions]
    if not durations:
        return 0.0
    return sum(durations) // len(durations)
