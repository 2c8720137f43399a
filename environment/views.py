"""Pure text helpers: numbered views, diffs, syntax checks, and context around a line."""

from __future__ import annotations

from pydantic import BaseModel

from environment import diffs
from environment.syntax_worker import find_syntax_error

CONTEXT_RADIUS = 3
MAX_WINDOW_LINES = 200  # of the edited lines shown back after an edit; view_code shows the rest


class SyntaxIssue(BaseModel):
    line: int
    column: int
    message: str
    text: str = ""


def split_lines(text: str) -> list[str]:
    return text.splitlines()


def join_lines(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def numbered(lines: list[str], start: int = 1, end: int | None = None) -> str:
    """Lines `start..end` (1-based, inclusive) as `N|text`."""
    end = len(lines) if end is None else end
    return "\n".join(f"{n}|{lines[n - 1]}" for n in range(start, end + 1))


def window(lines: list[str], first: int, last: int, radius: int = CONTEXT_RADIUS, max_lines: int = MAX_WINDOW_LINES) -> tuple[int, int, str]:
    """The numbered lines first..last widened by `radius` and clipped to the file. Past max_lines
    the window stops, with a line saying what view_code call shows the rest."""
    if not lines:
        return 0, 0, ""
    start = max(1, first - radius)
    end = min(len(lines), max(last, first) + radius)
    start = min(start, end)
    if end - start + 1 <= max_lines:
        return start, end, numbered(lines, start, end)
    shown_end = start + max_lines - 1
    more = f"\n... lines {shown_end + 1}-{end} not shown: view_code start_line={shown_end + 1} end_line={end} shows them"
    return start, shown_end, numbered(lines, start, shown_end) + more


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff with two lines of context, bounded in time and size (environment/diffs.py)."""
    return diffs.unified_diff(path, before, after)


def syntax_issue(path: str, text: str) -> SyntaxIssue | None:
    """The first syntax error of a Python file, or None (non-Python files always pass). In-process:
    the server runs it in a worker process instead (environment/syntax_check.py)."""
    found = find_syntax_error(path, text)
    return None if found is None else SyntaxIssue(**found)


def describe_edit(change: diffs.FileChange, first_new_line: int, last_new_line: int) -> tuple[str, int, int, str]:
    """What replace_lines shows: the diff of the edited range, and the numbered lines around the new
    code (window start, end and text). Bounded in time and size by diffs.render and window."""
    after = change.after if isinstance(change.after, list) else split_lines(change.after)
    start, end, text = window(after, first_new_line, last_new_line)
    return diffs.render([change]).text, start, end, text
