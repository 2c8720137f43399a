"""Pure text helpers: numbered views, diffs, syntax checks, and context around a line."""

from __future__ import annotations

import difflib

from pydantic import BaseModel

from environment import diffs
from environment.diffs import split_lines
from environment.errors import BadArgument
from environment.syntax_worker import find_syntax_error

CONTEXT_RADIUS = 3
MAX_WINDOW_LINES = 200  # of the edited lines shown back after an edit; view_code shows the rest
MAX_SCANNED_LINES = 20_000  # lines compared with a missed old_text, for its near misses


class SyntaxIssue(BaseModel):
    line: int
    column: int
    message: str
    text: str = ""


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


MAX_CANDIDATES = 8


def unique_occurrence(path: str, text: str, needle: str) -> int:
    """Where `needle` occurs in `text`, if exactly once; else a BadArgument that shows the candidates
    (every occurrence, or the lines most like the needle's first line)."""
    at = text.find(needle)
    if at >= 0 and text.find(needle, at + 1) < 0:
        return at
    lines = split_lines(text)
    if at >= 0:
        starts, found = [], at
        while found >= 0 and len(starts) < MAX_CANDIDATES + 1:
            starts.append(text.count("\n", 0, found) + 1)
            found = text.find(needle, found + 1)
        shown = "\n".join(f"{n}|{lines[n - 1]}" for n in starts[:MAX_CANDIDATES])
        more = " (and more)" if len(starts) > MAX_CANDIDATES else ""
        raise BadArgument(
            f"old_text occurs more than once in {path}{more}; it starts on these lines:\n{shown}\n"
            "Include more of the surrounding lines in old_text so that it matches once (or use replace_lines)."
        )
    raise BadArgument(f"old_text does not occur in {path} exactly as given.{_near_misses(lines, needle)}")


def _near_misses(lines: list[str], needle: str) -> str:
    first = next((line.strip() for line in split_lines(needle) if line.strip()), "")
    if not first:
        return " It holds only whitespace."
    same = [n for n, line in enumerate(lines, 1) if line.strip() == first]
    if same:
        hint = "These lines match its first line once indentation and trailing spaces are ignored"
        numbers = same[:MAX_CANDIDATES]
    else:
        stripped = [line.strip()[:200] for line in lines[:MAX_SCANNED_LINES]]
        close = set(difflib.get_close_matches(first[:200], stripped, n=MAX_CANDIDATES, cutoff=0.7))
        numbers = [n for n, line in enumerate(stripped, 1) if line in close][:MAX_CANDIDATES]
        hint = "The lines most like its first line"
    if not numbers:
        return " No line looks like its first line either; view_code shows the file."
    shown = "\n".join(f"{n}|{lines[n - 1]}" for n in numbers)
    return f" {hint}:\n{shown}\nCopy the text exactly from view_code (whitespace included) and retry."


def changed_span(before: list[str], after: list[str]) -> tuple[int, int, int]:
    """The lines that differ: (first, end in before, end in after), 0-based, ends exclusive."""
    first = 0
    limit = min(len(before), len(after))
    while first < limit and before[first] == after[first]:
        first += 1
    tail = 0
    while tail < limit - first and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return first, len(before) - tail, len(after) - tail
