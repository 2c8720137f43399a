"""Pure text helpers: numbered views, diffs, syntax checks, and context around a line."""

from __future__ import annotations

import ast
import difflib
import warnings

from pydantic import BaseModel

CONTEXT_RADIUS = 3


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


def window(lines: list[str], first: int, last: int, radius: int = CONTEXT_RADIUS) -> tuple[int, int, str]:
    """The numbered lines first..last widened by `radius` and clipped to the file."""
    if not lines:
        return 0, 0, ""
    start = max(1, first - radius)
    end = min(len(lines), max(last, first) + radius)
    start = min(start, end)
    return start, end, numbered(lines, start, end)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}", n=2)
    )


def syntax_issue(path: str, text: str) -> SyntaxIssue | None:
    """The first syntax error of a Python file, or None (non-Python files always pass)."""
    if not path.endswith(".py"):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the agent's escapes are noise here
            ast.parse(text, filename=path)
    except SyntaxError as exc:
        lines = text.splitlines()
        line = exc.lineno or 1
        return SyntaxIssue(
            line=line,
            column=exc.offset or 0,
            message=exc.msg,
            text=lines[line - 1] if 0 < line <= len(lines) else "",
        )
    except ValueError as exc:  # e.g. a NUL byte
        return SyntaxIssue(line=1, column=0, message=str(exc))
    return None
