"""Bookings as iCalendar (RFC 5545) events, so people can add them to their calendars.

Times are written as floating local times (no zone), which is what the office's single time
zone means. Lines are folded at 75 octets and text is escaped as the RFC says.
"""

from __future__ import annotations

from datetime import datetime

from roomsched.booking import Booking

PRODUCT_ID = "-//roomsched//1.8//EN"


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str, limit: int = 75) -> list[str]:
    """A content line cut into pieces of at most `limit` octets; continuations start with a space."""
    out, current = [], ""
    for ch in line:
        size = len(current.encode("utf-8")) + len(ch.encode("utf-8"))
        if size > (limit if not out else limit - 1):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def event(booking: Booking, domain: str = "rooms.example.com") -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{booking.id}@{domain}",
        f"DTSTART:{_stamp(booking.span.start)}",
        f"DTEND:{_stamp(booking.span.end)}",
        f"SUMMARY:{escape(booking.title or 'Meeting')}",
        f"LOCATION:{escape(booking.room)}",
        f"ORGANIZER;CN={escape(booking.organizer)}:mailto:{booking.organizer}@{domain.split('.', 1)[-1]}",
    ]
    if booking.series:
        lines.append(f"RELATED-TO:{booking.series}@{domain}")
    lines.append("END:VEVENT")
    return lines


def calendar(bookings: list[Booking], domain: str = "rooms.example.com") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}"]
    for booking in sorted(bookings, key=lambda b: (b.span.start, b.id)):
        lines += event(booking, domain)
    lines.append("END:VCALENDAR")
    return "\r\n".join(piece for line in lines for piece in fold(line)) + "\r\n"
