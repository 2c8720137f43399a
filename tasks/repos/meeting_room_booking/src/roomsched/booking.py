"""The booking record."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from roomsched.timeutil import Span

_ids = itertools.count(1)


def next_id(prefix: str = "b") -> str:
    return f"{prefix}{next(_ids):05d}"


@dataclass(frozen=True)
class Booking:
    id: str
    room: str
    span: Span
    organizer: str
    title: str = ""
    attendees: int = 1
    series: str | None = None  # the id of the series it belongs to, if any

    def moved_to(self, span: Span) -> Booking:
        return replace(self, span=span)

    def describe(self) -> str:
        who = f"{self.organizer}, {self.attendees} people" if self.attendees != 1 else self.organizer
        return f"{self.span} {self.room}: {self.title or '(no title)'} ({who})"
