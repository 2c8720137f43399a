"""A room's bookings, ordered by start time, with overlap queries.

Kept in a SortedKeyList keyed by (start, id): adding and removing are O(log n), and the bookings
that could overlap a span are found by a range query instead of a scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterator

from sortedcontainers import SortedKeyList

from roomsched.booking import Booking
from roomsched.timeutil import Span

_LAST_ID = "\U0010ffff"


def _key(booking: Booking) -> tuple[datetime, str]:
    return (booking.span.start, booking.id)


class RoomIndex:
    def __init__(self) -> None:
        self._bookings: SortedKeyList = SortedKeyList(key=_key)

    def add(self, booking: Booking) -> None:
        self._bookings.add(booking)

    def remove(self, booking: Booking) -> None:
        self._bookings.remove(booking)

    def __iter__(self) -> Iterator[Booking]:
        return iter(self._bookings)

    def __len__(self) -> int:
        return len(self._bookings)

    def overlapping(self, span: Span) -> list[Booking]:
        """Every booking that shares some moment with `span`, in start order."""
        candidates = self._bookings.irange_key(min_key=(span.start, ""), max_key=(span.end, _LAST_ID))
        return [booking for booking in candidates if booking.span.overlaps(span)]

    def starting_between(self, start: datetime, end: datetime) -> list[Booking]:
        """Bookings whose start lies in [start, end)."""
        return list(self._bookings.irange_key(min_key=(start, ""), max_key=(end, ""), inclusive=(True, False)))

    def next_after(self, moment: datetime) -> Booking | None:
        position = self._bookings.bisect_key_left((moment, ""))
        return self._bookings[position] if position < len(self._bookings) else None
