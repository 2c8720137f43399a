"""The undo history of an episode as reverse edits, bounded in bytes. Pure: no I/O.

A snapshot of every file per edit made 300 one-line edits of a 350 KB file cost ~100 MB. Here a
replace_lines record holds only the lines it replaced and where; a reset holds the files as they were
(the same string objects the episode held, so no copy). Past the byte bound the oldest records go,
and undo then says that nothing older can be undone.

Sizes are what the records keep alive, by sys.getsizeof: exact for strings, an estimate for the
containers around them. Strings the task itself holds (the original files) cost the episode nothing.
"""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field

LIST_SLOT = 8  # a pointer per list or dict entry
RECORD_OVERHEAD = 200  # the record object, its label and its list or dict


def lines_bytes(lines: list[str]) -> int:
    return sum(map(sys.getsizeof, lines)) + LIST_SLOT * len(lines)


def text_bytes(text: str, shared: str | None = None) -> int:
    """What keeping `text` costs, nothing if it is the very string the task holds."""
    return 0 if text is shared else sys.getsizeof(text)


@dataclass(frozen=True)
class LinesUndo:
    """Reverses one replace_lines: at line index `start`, the edit put `inserted` lines where
    `removed` were."""

    label: str
    path: str
    start: int
    inserted: int
    removed: list[str]
    nbytes: int


@dataclass(frozen=True)
class FilesUndo:
    """Reverses a change by putting back whole texts: the files before a reset, or one file whose
    text could not be rebuilt from its lines (it did not end in a newline, or used \\r line ends)."""

    label: str
    files: dict[str, str]
    nbytes: int


UndoRecord = LinesUndo | FilesUndo


def lines_undo(label: str, path: str, start: int, inserted: int, removed: list[str]) -> LinesUndo:
    return LinesUndo(label, path, start, inserted, removed, RECORD_OVERHEAD + lines_bytes(removed))


def files_undo(label: str, files: dict[str, str], originals: dict[str, str]) -> FilesUndo:
    size = RECORD_OVERHEAD + LIST_SLOT * 3 * len(files) + sum(text_bytes(t, originals.get(p)) for p, t in files.items())
    return FilesUndo(label, files, size)


@dataclass
class UndoHistory:
    max_bytes: int
    records: deque[UndoRecord] = field(default_factory=deque)
    nbytes: int = 0
    dropped: int = 0  # records dropped to stay within max_bytes, over the episode's life

    def __len__(self) -> int:
        return len(self.records)

    def bytes_after_push(self, record_bytes: int) -> int:
        """What the history would hold after pushing a record of this size (and dropping the oldest
        records past the bound)."""
        total = self.nbytes + record_bytes
        for record in self.records:
            if total <= self.max_bytes:
                break
            total -= record.nbytes
        return total if total <= self.max_bytes else 0

    def push(self, record: UndoRecord) -> None:
        self.records.append(record)
        self.nbytes += record.nbytes
        while self.records and self.nbytes > self.max_bytes:
            self.nbytes -= self.records.popleft().nbytes
            self.dropped += 1

    def pop(self) -> UndoRecord | None:
        if not self.records:
            return None
        record = self.records.pop()
        self.nbytes -= record.nbytes
        return record

    def clear(self) -> None:
        self.records.clear()
        self.nbytes = 0
