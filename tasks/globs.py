"""Globs over a task's project paths (task.toml `editable`): whole relative paths, matched from the
project root. `*` and `?` stay within one path segment, `**/` spans any number of directories
(`pkg/**/*.py` is every .py file below pkg/), `[abc]` and `[!abc]` are classes. A pattern without
any of `*?[` is a plain path. Pure: no I/O."""

from __future__ import annotations

import re

GLOB_CHARS = "*?["


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in GLOB_CHARS)


def translate(glob: str) -> str:
    """The glob as a regular expression for re.fullmatch. ValueError names an unclosed class."""
    out, i, n = [], 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**", i):
            if (i == 0 or glob[i - 1] == "/") and glob[i + 2 : i + 3] == "/":
                out.append("(?:[^/]*/)*")  # '**/': zero or more directories
                i += 3
                continue
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2 if glob[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end < 0:
                raise ValueError(f"glob {glob!r} has a '[' without its ']'")
            body = glob[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^/" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def expand(patterns: tuple[str, ...], paths: list[str] | set[str]) -> tuple[list[str], list[str]]:
    """The paths the patterns select, each once, in the order the patterns name them (a glob's in
    sorted order), and the patterns that select nothing."""
    chosen: dict[str, None] = {}
    empty: list[str] = []
    for pattern in patterns:
        if is_glob(pattern):
            compiled = re.compile(translate(pattern))
            hits = sorted(p for p in paths if compiled.fullmatch(p))
        else:
            hits = [pattern] if pattern in paths else []
        if not hits:
            empty.append(pattern)
        chosen.update(dict.fromkeys(hits))
    return list(chosen), empty
