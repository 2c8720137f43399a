"""A least-recently-used cache with a fixed capacity."""

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class LRUCache:
    """Key/value store that evicts the least recently used entry when full.

    Entries are kept in an OrderedDict ordered from least to most recently used.
    """

    def __init__(self, capacity: int) -> None:
        if not isinstance(capacity, int) or capacity <= 0:
            raise ValueError("capacity must be a positive integer")
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the value for ``key`` (marking it as used) or ``default``."""
        if key not in self._entries:
            return default
        self._entries.move_to_end(key)
        return self._entries[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` under ``key``, evicting the oldest entry if needed."""
        if key not in self._entries and len(self._entries) >= self.capacity:
            self._entries.popitem(last=False)
        self._entries[key] = value
        self._entries.move_to_end(key)

    def keys(self) -> list[Hashable]:
        """Return the keys from least to most recently used."""
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
