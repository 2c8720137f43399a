"""A waitlist for rooms that are taken: when a booking is cancelled or moved away, the oldest
waiting request that now fits is booked automatically, and its requester is told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from roomsched.booking import Booking
from roomsched.errors import BookingConflict, PolicyViolation
from roomsched.scheduler import Scheduler
from roomsched.timeutil import Span


@dataclass(frozen=True)
class Request:
    room: str
    span: Span
    organizer: str
    title: str = ""
    attendees: int = 1
    placed: datetime = datetime.min  # when it joined the list: first come, first served


@dataclass
class Waitlist:
    scheduler: Scheduler
    requests: list[Request] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def book_or_wait(self, room: str, start, end, organizer: str, title: str = "", attendees: int = 1, placed: datetime | None = None) -> Booking | None:
        """Book now if the room is free; otherwise join the waitlist and return None."""
        try:
            return self.scheduler.book(room, start, end, organizer, title, attendees)
        except BookingConflict:
            span = Span.parse(start, end)
            self.requests.append(Request(room, span, organizer, title, attendees, placed or datetime.min))
            self.requests.sort(key=lambda r: r.placed)
            return None

    def waiting_for(self, room: str) -> list[Request]:
        return [r for r in self.requests if r.room == room]

    def cancel(self, booking_id: str) -> list[Booking]:
        """Cancel a booking, then book whatever waiting requests now fit, oldest first."""
        cancelled = self.scheduler.cancel(booking_id)
        return self._promote(cancelled.room)

    def withdraw(self, organizer: str, room: str | None = None) -> int:
        before = len(self.requests)
        self.requests = [r for r in self.requests if not (r.organizer == organizer and (room is None or r.room == room))]
        return before - len(self.requests)

    def _promote(self, room: str) -> list[Booking]:
        booked = []
        for request in list(self.waiting_for(room)):
            if self.scheduler.conflicts(room, request.span):
                continue
            try:
                booking = self.scheduler.book(room, request.span.start, request.span.end, request.organizer, request.title, request.attendees)
            except (BookingConflict, PolicyViolation):
                continue
            self.requests.remove(request)
            self.notices.append(f"to {request.organizer}: {room} is yours for {request.span} ({request.title or 'no title'})")
            booked.append(booking)
        return booked
