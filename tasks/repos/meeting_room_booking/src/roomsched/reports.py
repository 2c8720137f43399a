"""Utilisation: how much of its open hours each room is booked, per day or over a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from roomsched.availability import merge
from roomsched.scheduler import Scheduler
from roomsched.timeutil import Span, parse_day


@dataclass(frozen=True)
class Utilisation:
    room: str
    booked_minutes: int
    open_minutes: int
    meetings: int

    @property
    def ratio(self) -> float:
        return self.booked_minutes / self.open_minutes if self.open_minutes else 0.0

    def __str__(self) -> str:
        return f"{self.room:<8} {self.meetings:>3} meetings {self.booked_minutes:>5} min  {self.ratio:6.1%}"


def _booked_minutes(spans: list[Span], window: Span) -> int:
    total = 0
    for span in merge(spans):
        lo, hi = max(span.start, window.start), min(span.end, window.end)
        if lo < hi:
            total += int((hi - lo).total_seconds() // 60)
    return total


def day_utilisation(scheduler: Scheduler, room: str, day) -> Utilisation:
    day = parse_day(day)
    window = scheduler.policy.day_window(day)
    bookings = scheduler.bookings_on(room, day)
    return Utilisation(room, _booked_minutes([b.span for b in bookings], window), window.minutes, len(bookings))


def week_utilisation(scheduler: Scheduler, monday: date | str) -> list[Utilisation]:
    """Each room over the five working days from `monday`, busiest first (then by name)."""
    start = parse_day(monday)
    if start.weekday() != 0:
        raise ValueError(f"{start} is not a Monday")
    out = []
    for room in scheduler.rooms.names():
        days = [day_utilisation(scheduler, room, start + timedelta(days=i)) for i in range(5)]
        out.append(Utilisation(room, sum(d.booked_minutes for d in days), sum(d.open_minutes for d in days), sum(d.meetings for d in days)))
    return sorted(out, key=lambda u: (-u.ratio, u.room))


def render_week(scheduler: Scheduler, monday: date | str) -> str:
    rows = week_utilisation(scheduler, monday)
    return "\n".join(["room     meetings      booked   share", *(str(u) for u in rows)]) + "\n"
