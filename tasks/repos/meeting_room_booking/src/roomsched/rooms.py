"""Rooms and the office's catalogue (`data/rooms.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from roomsched.errors import UnknownRoom

ROOMS_PATH = Path(__file__).parent / "data" / "rooms.json"


@dataclass(frozen=True)
class Room:
    name: str
    capacity: int
    floor: int = 0
    features: frozenset[str] = field(default_factory=frozenset)

    def fits(self, attendees: int, features: set[str] | frozenset[str] = frozenset()) -> bool:
        return attendees <= self.capacity and set(features) <= self.features


class RoomCatalog:
    def __init__(self, rooms: list[Room]):
        self._rooms = {room.name: room for room in rooms}
        if len(self._rooms) != len(rooms):
            raise ValueError("two rooms share a name")

    def __getitem__(self, name: str) -> Room:
        try:
            return self._rooms[name]
        except KeyError:
            raise UnknownRoom(name, sorted(self._rooms)) from None

    def __iter__(self):
        return iter(sorted(self._rooms.values(), key=lambda r: r.name))

    def __len__(self) -> int:
        return len(self._rooms)

    def names(self) -> list[str]:
        return sorted(self._rooms)

    def matching(self, attendees: int = 1, features: set[str] | frozenset[str] = frozenset()) -> list[Room]:
        """Rooms big enough and equipped, smallest first (then by name): don't waste the big ones."""
        return sorted((r for r in self._rooms.values() if r.fits(attendees, features)), key=lambda r: (r.capacity, r.name))


def load_rooms(path: Path | str | None = None) -> RoomCatalog:
    raw = json.loads(Path(path or ROOMS_PATH).read_text(encoding="utf-8"))
    return RoomCatalog([Room(r["name"], int(r["capacity"]), int(r.get("floor", 0)), frozenset(r.get("features", []))) for r in raw])
