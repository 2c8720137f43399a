"""An episode's changes as one patch that `git apply` (and `patch -p1`) takes: git headers, paths
relative to the project root, exact line ends (a `\\r` stays part of its line), the "\\ No newline
at end of file" marker, new and deleted files. Unlike show_diff's text (environment/diffs.py) it
is never cut: it is the deliverable, bounded by the episode's workspace size. Pure: no I/O.

Only text files exist in an episode (a project's binary files are never copied), so a patch never
has a binary hunk.
"""

from __future__ import annotations

from environment.diffs import grouped, opcodes

NO_NEWLINE = "\\ No newline at end of file\n"
CONTEXT_LINES = 3  # git's default


def _lines(text: str) -> list[str]:
    """Lines as git counts them: split after each "\\n" only, each keeping its end."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def quote_path(path: str) -> str:
    """A path as git writes it in a header: C-quoted when it holds a quote, a backslash, a control
    character or a non-ASCII byte (git's core.quotePath), else as it is."""
    raw = path.encode("utf-8", "surrogateescape")
    if all(0x20 <= b < 0x7F and b not in (0x22, 0x5C) for b in raw):
        return path
    escapes = {0x22: '\\"', 0x5C: "\\\\", 0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f", 0x0D: "\\r"}
    body = "".join(escapes.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}") for b in raw)
    return f'"{body}"'


def _name(prefix: str, path: str) -> str:
    quoted = quote_path(path)
    return f'"{prefix}{quoted[1:]}' if quoted.startswith('"') else f"{prefix}{path}"


def _range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def _body(before: list[str], after: list[str]) -> list[str]:
    codes, _ = opcodes(before, after)
    out: list[str] = []
    for group in grouped(codes, CONTEXT_LINES):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [_line(" ", line) for line in before[i1:i2]]
                continue
            if tag in ("replace", "delete"):
                out += [_line("-", line) for line in before[i1:i2]]
            if tag in ("replace", "insert"):
                out += [_line("+", line) for line in after[j1:j2]]
    return out


def _line(mark: str, line: str) -> str:
    return f"{mark}{line}" if line.endswith("\n") else f"{mark}{line}\n{NO_NEWLINE}"


def file_patch(path: str, before: str | None, after: str | None) -> str:
    """One file's part of the patch ('' when it did not change); None: the file does not exist."""
    if before is not None and after is not None and "\r" not in after and "\r\n" in before and before.count("\n") == before.count("\r\n"):
        # The episode's edits write "\n" (it reads lines as Python does); the user's file ends its
        # lines with "\r\n": keep theirs, so that the patch holds only the lines that changed.
        after = after.replace("\n", "\r\n")
    if before == after:
        return ""
    a, b = _name("a/", path), _name("b/", path)
    head = [f"diff --git {a} {b}\n"]
    if before is None:
        head += ["new file mode 100644\n", "--- /dev/null\n", f"+++ {b}\n"]
    elif after is None:
        head += ["deleted file mode 100644\n", f"--- {a}\n", "+++ /dev/null\n"]
    else:
        head += [f"--- {a}\n", f"+++ {b}\n"]
    old, new = _lines(before or ""), _lines(after or "")
    if not old and not new:  # an empty file created or deleted: the header says it all
        return "".join(head[:2])
    return "".join(head + _body(old, new))


def git_patch(originals: dict[str, str], files: dict[str, str]) -> str:
    """Every change from `originals` to `files`, file by file in path order."""
    return "".join(file_patch(path, originals.get(path), files.get(path)) for path in sorted(originals.keys() | files.keys()))


def changed_paths(originals: dict[str, str], files: dict[str, str]) -> list[str]:
    return [p for p in sorted(originals.keys() | files.keys()) if originals.get(p) != files.get(p)]
