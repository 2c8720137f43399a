"""Booking, cancelling and moving meetings; finding free rooms and slots."""

from __future__ import annotations

from datetime import datetime, timedelta

from roomsched import availability
from roomsched.booking import Booking, next_id
from roomsched.errors import BookingConflict, InvalidBooking
from roomsched.index import RoomIndex
from roomsched.policies import Policy
from roomsched.recurrence import Recurrence
from roomsched.rooms import Room, RoomCatalog
from roomsched.timeutil import Span, parse_day, parse_time


class Scheduler:
    def __init__(self, rooms: RoomCatalog, policy: Policy | None = None):
        self.rooms = rooms
        self.policy = policy or Policy()
        self._indexes: dict[str, RoomIndex] = {room.name: RoomIndex() for room in rooms}
        self._bookings: dict[str, Booking] = {}

    # -- queries ---------------------------------------------------------------------------

    def booking(self, booking_id: str) -> Booking:
        try:
            return self._bookings[booking_id]
        except KeyError:
            raise InvalidBooking(f"no booking {booking_id!r}") from None

    def conflicts(self, room: str, span: Span, ignore: str | None = None) -> list[Booking]:
        self.rooms[room]
        guarded = self.policy.guarded(span)
        return [b for b in self._indexes[room].overlapping(guarded) if b.id != ignore]

    def is_free(self, room: str, span: Span) -> bool:
        return not self.conflicts(room, span)

    def bookings_on(self, room: str, day) -> list[Booking]:
        day = parse_day(day)
        self.rooms[room]
        whole_day = Span(datetime.combine(day, datetime.min.time()), datetime.combine(day, datetime.min.time()) + timedelta(days=1))
        return self._indexes[room].overlapping(whole_day)

    def free_slots(self, room: str, day, minutes: int = 30) -> list[Span]:
        day = parse_day(day)
        window = self.policy.day_window(day)
        busy = [self.policy.guarded(b.span) for b in self._indexes[room].overlapping(window)]
        return availability.free_slots(busy, window, minutes)

    def suggest(self, start, end, attendees: int = 1, features: set[str] | frozenset[str] = frozenset()) -> list[Room]:
        """Rooms that fit and are free for the whole span, smallest first."""
        span = Span.parse(start, end)
        return [room for room in self.rooms.matching(attendees, features) if not self.conflicts(room.name, span)]

    # -- changes ---------------------------------------------------------------------------

    def _validate(self, room: str, span: Span, attendees: int, now: datetime | None) -> Room:
        found = self.rooms[room]
        if attendees < 1:
            raise InvalidBooking("a meeting needs at least one attendee")
        if attendees > found.capacity:
            raise InvalidBooking(f"{room} seats {found.capacity}, not {attendees}")
        self.policy.check(span, now)
        return found

    def book(self, room: str, start, end, organizer: str, title: str = "", attendees: int = 1, now: datetime | None = None, series: str | None = None) -> Booking:
        span = Span.parse(start, end)
        self._validate(room, span, attendees, now)
        clashes = self.conflicts(room, span)
        if clashes:
            raise BookingConflict(room, clashes)
        booking = Booking(next_id(), room, span, organizer, title, attendees, series)
        self._indexes[room].add(booking)
        self._bookings[booking.id] = booking
        return booking

    def book_series(self, room: str, start, end, rule: Recurrence, organizer: str, title: str = "", attendees: int = 1) -> list[Booking]:
        """Every occurrence, or none: a conflict on any occurrence books nothing and names them all."""
        first = Span.parse(start, end)
        spans = [Span(s, s + first.duration) for s in rule.starts(first.start)]
        clashes = []
        for span in spans:
            self._validate(room, span, attendees, None)
            clashes += self.conflicts(room, span)
        if clashes:
            raise BookingConflict(room, clashes)
        series = next_id("s")
        return [self.book(room, s.start, s.end, organizer, title, attendees, series=series) for s in spans]

    def cancel(self, booking_id: str) -> Booking:
        booking = self.booking(booking_id)
        self._indexes[booking.room].remove(booking)
        del self._bookings[booking_id]
        return booking

    def cancel_series(self, series: str) -> int:
        members = [b for b in self._bookings.values() if b.series == series]
        for booking in members:
            self.cancel(booking.id)
        return len(members)

    def move(self, booking_id: str, new_start, room: str | None = None) -> Booking:
        """The same meeting at another time (and maybe room); it does not conflict with itself."""
        booking = self.booking(booking_id)
        start = parse_time(new_start)
        span = Span(start, start + booking.span.duration)
        target = room or booking.room
        self._validate(target, span, booking.attendees, None)
        clashes = self.conflicts(target, span, ignore=booking_id)
        if clashes:
            raise BookingConflict(target, clashes)
        self.cancel(booking_id)
        moved = Booking(booking.id, target, span, booking.organizer, booking.title, booking.attendees, booking.series)
        self._indexes[target].add(moved)
        self._bookings[moved.id] = moved
        return moved

    def all_bookings(self) -> list[Booking]:
        return sorted(self._bookings.values(), key=lambda b: (b.span.start, b.room, b.id))
