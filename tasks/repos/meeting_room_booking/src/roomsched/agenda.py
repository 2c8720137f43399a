"""Plain-text agendas for the screens outside the rooms."""

from __future__ import annotations

from roomsched.scheduler import Scheduler
from roomsched.timeutil import parse_day


def room_agenda(scheduler: Scheduler, room: str, day) -> str:
    day = parse_day(day)
    lines = [f"{room} - {day:%A %d %B %Y}"]
    bookings = scheduler.bookings_on(room, day)
    if not bookings:
        lines.append("  free all day")
    for booking in bookings:
        lines.append(f"  {booking.span.start:%H:%M}-{booking.span.end:%H:%M}  {booking.title or '(no title)'}  [{booking.organizer}]")
    free = scheduler.free_slots(room, day, minutes=30)
    if bookings and free:
        lines.append("  free: " + ", ".join(f"{s.start:%H:%M}-{s.end:%H:%M}" for s in free))
    return "\n".join(lines) + "\n"


def floor_agenda(scheduler: Scheduler, floor: int, day) -> str:
    rooms = [room.name for room in scheduler.rooms if room.floor == floor]
    return "\n".join(room_agenda(scheduler, room, day) for room in rooms)


def organizer_agenda(scheduler: Scheduler, organizer: str) -> list[str]:
    return [b.describe() for b in scheduler.all_bookings() if b.organizer == organizer]
