"""Errors, each naming the room, booking or rule involved."""

from __future__ import annotations


class RoomschedError(Exception):
    pass


class UnknownRoom(RoomschedError, KeyError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name, self.known = name, known

    def __str__(self) -> str:
        return f"no room {self.name!r} (rooms: {', '.join(self.known)})"


class InvalidBooking(RoomschedError, ValueError):
    pass


class BookingConflict(RoomschedError):
    def __init__(self, room: str, conflicts: list):
        self.room, self.conflicts = room, conflicts
        listed = ", ".join(f"{b.id} ({b.span})" for b in conflicts)
        super().__init__(f"{room} is already booked: {listed}")


class PolicyViolation(RoomschedError):
    def __init__(self, rule: str, detail: str):
        self.rule, self.detail = rule, detail
        super().__init__(f"{rule}: {detail}")
