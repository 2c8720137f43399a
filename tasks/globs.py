"""Globs over a task's project paths (task.toml `editable`): whole relative paths, matched from the
project root. `*` and `?` stay within one path segment, `**/` spans any number of directories
(`pkg/**/*.py` is every .py file below pkg/), `[abc]` and `[!abc]` are classes. A pattern without
any of `*?[` is a plain path. Pure: no I/O."""

from __future__ import annotations

import re
import time

import regex

GLOB_CHARS = "*?["
EXPAND_BUDGET_S = 2.0


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in GLOB_CHARS)


def translate(glob: str) -> str:
    """The glob as a regular expression for re.fullmatch. ValueError names an unclosed class."""
    out, i, n = [], 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**/", i) and (i == 0 or glob[i - 1] == "/"):
            out.append("(?:[^/]*/)*")  # '**/': zero or more directories
            while glob.startswith("**/", i):  # '**/**/' is '**/': repeats would only backtrack
                i += 3
        elif c in "*?":
            j = i
            while j < n and glob[j] in "*?":
                j += 1
            out.append(_wildcards(glob[i:j]))
            i = j
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


def _wildcards(run: str) -> str:
    """A run of `*` and `?` as one regex piece of the same language. `*?*?*?` written as it reads is
    `[^/]*[^/][^/]*[^/]...`, which backtracks for minutes on a name that does not match; without an
    adjacent `**` the run is just "at least (or exactly) this many characters of one segment"."""
    if "**" not in run:
        count = run.count("?")
        if "*" not in run:
            return f"[^/]{{{count}}}" if count > 1 else "[^/]"
        return f"[^/]{{{count},}}" if count else "[^/]*"
    pieces, i = [], 0
    while i < len(run):  # a run of two or more stars crosses directories; one star stays in its segment
        if run[i] == "?":
            pieces.append("[^/]")
            i += 1
            continue
        j = i
        while j < len(run) and run[j] == "*":
            j += 1
        pieces.append(".*" if j - i > 1 else "[^/]*")
        i = j
    return "".join(pieces)


def compile_glob(glob: str) -> regex.Pattern:
    """The glob, compiled for the `regex` engine (its time budgets; Python's re has none, and a glob
    such as '**?' * 12 backtracks for minutes there). ValueError names an unclosed or bad class."""
    try:
        return regex.compile(translate(glob), regex.VERSION0)
    except regex.error as exc:
        raise ValueError(f"glob {glob!r} has a bad [...] class ({exc.msg})") from None


def expand(patterns: tuple[str, ...], paths: list[str] | set[str]) -> tuple[list[str], list[str]]:
    """The paths the patterns select, each once, in the order the patterns name them (a glob's in
    sorted order), and the patterns that select nothing. ValueError: a glob that is bad, or that
    takes over EXPAND_BUDGET_S to match."""
    chosen: dict[str, None] = {}
    empty: list[str] = []
    for pattern in patterns:
        if is_glob(pattern):
            compiled = compile_glob(pattern)
            deadline = time.monotonic() + EXPAND_BUDGET_S
            try:
                hits = sorted(p for p in paths if compiled.fullmatch(p, timeout=max(deadline - time.monotonic(), 0.001)))
            except TimeoutError:
                raise ValueError(f"glob {pattern!r} takes over {EXPAND_BUDGET_S:g} s to match the files: write it with fewer wildcards") from None
        else:
            hits = [pattern] if pattern in paths else []
        if not hits:
            empty.append(pattern)
        chosen.update(dict.fromkeys(hits))
    return list(chosen), empty
