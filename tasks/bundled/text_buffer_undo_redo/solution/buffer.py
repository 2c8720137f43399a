"""An editable text buffer with unlimited undo and redo."""

from typing import NamedTuple


class Edit(NamedTuple):
    """One recorded change: ``chars`` inserted or deleted at ``position``."""

    kind: str  # "insert" or "delete"
    position: int
    chars: str


class TextBuffer:
    """Text that can be edited by inserting and deleting, with undo and redo."""

    def __init__(self, text: str = "") -> None:
        self._text = text
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []

    @property
    def text(self) -> str:
        return self._text

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def _check(self, position: int) -> None:
        if not 0 <= position <= len(self._text):
            raise IndexError(f"position {position} is outside 0..{len(self._text)}")

    def _record(self, edit: Edit) -> None:
        """Apply a new edit; it makes the undone edits unreachable."""
        if not edit.chars:
            return
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()

    def insert(self, position: int, chars: str) -> None:
        """Insert ``chars`` before ``position``."""
        self._check(position)
        self._record(Edit("insert", position, chars))

    def delete(self, start: int, end: int) -> str:
        """Remove and return the characters from ``start`` up to ``end``."""
        self._check(start)
        self._check(end)
        if start > end:
            raise IndexError(f"start {start} is after end {end}")
        removed = self._text[start:end]
        self._record(Edit("delete", start, removed))
        return removed

    def undo(self) -> bool:
        """Revert the latest edit; False if there is none."""
        if not self._undo:
            return False
        edit = self._undo.pop()
        self._apply(self._inverse(edit))
        self._redo.append(edit)
        return True

    def redo(self) -> bool:
        """Re-apply the latest undone edit; False if there is none."""
        if not self._redo:
            return False
        edit = self._redo.pop()
        self._apply(edit)
        self._undo.append(edit)
        return True

    @staticmethod
    def _inverse(edit: Edit) -> Edit:
        return Edit("delete" if edit.kind == "insert" else "insert", edit.position, edit.chars)

    def _apply(self, edit: Edit) -> None:
        start = edit.position
        if edit.kind == "insert":
            self._text = self._text[:start] + edit.chars + self._text[start:]
        else:
            self._text = self._text[:start] + self._text[start + len(edit.chars) :]
