"""Unified diffs whose cost cannot explode on adversarial input. Pure: no I/O.

difflib's SequenceMatcher is quadratic (or worse) in the lines it compares: 8,000 interleaved lines
take seconds, 45,000 shuffled ones tens of seconds. So a diff here first drops the lines both sides
share at the start and at the end (linear), and runs difflib only on the middle that is left, and
only while that middle is small (`MAX_COMPARED_CELLS`, the product of its two lengths). A larger
middle is shown as one replacement. The text is capped (`MAX_DIFF_CHARS`) and the cut says how many
lines and characters it left out.

A caller that knows where a change happened (replace_lines knows its range, undo its record) passes
that region, and nothing outside it is even compared.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

CONTEXT_LINES = 2
LINE_BREAK = re.compile(r"\r\n?|\n")  # what ends a line of Python source
MAX_COMPARED_CELLS = 1_000_000  # len(before middle) * len(after middle) that difflib may compare: ~0.1 s worst case
MAX_DIFF_CHARS = 20_000  # of one rendered diff (all files together)

Opcode = tuple[str, int, int, int, int]


@dataclass
class FileChange:
    """One file before and after a change (lists of lines without line ends, or whole texts). Lines
    outside [lo, before_hi) of `before` and [lo, after_hi) of `after` are known to be equal, in order;
    None means "to the end"."""

    path: str
    before: list[str] | str
    after: list[str] | str
    lo: int = 0
    before_hi: int | None = None
    after_hi: int | None = None


@dataclass
class Rendered:
    text: str
    cut_lines: int = 0  # diff lines left out past MAX_DIFF_CHARS
    cut_chars: int = 0
    whole_replacements: int = 0  # hunks too large to compare line by line, shown as one replacement


def split_lines(text: str) -> list[str]:
    """Lines as Python counts them in source (and so tracebacks do): split at "\r\n", "\r" and "\n"
    only. str.splitlines would also split at form feeds, U+2028 and other characters a string
    literal may hold, and number lines differently from a traceback. A final line break ends the
    last line rather than starting an empty one."""
    lines = LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def _lines(value: list[str] | str) -> list[str]:
    return value if isinstance(value, list) else split_lines(value)


def opcodes(before: list[str], after: list[str], lo: int = 0, before_hi: int | None = None, after_hi: int | None = None) -> tuple[list[Opcode], bool]:
    """difflib-style opcodes for the whole of both sides, and whether the middle was too large to
    compare (then it is one `replace`)."""
    a_hi = len(before) if before_hi is None else before_hi
    b_hi = len(after) if after_hi is None else after_hi
    # Trim what both sides share at the start and at the end of the region.
    while lo < a_hi and lo < b_hi and before[lo] == after[lo]:
        lo += 1
    while a_hi > lo and b_hi > lo and before[a_hi - 1] == after[b_hi - 1]:
        a_hi -= 1
        b_hi -= 1
    codes: list[Opcode] = [("equal", 0, lo, 0, lo)] if lo else []
    whole = False
    if a_hi > lo or b_hi > lo:
        if a_hi == lo:
            codes.append(("insert", lo, lo, lo, b_hi))
        elif b_hi == lo:
            codes.append(("delete", lo, a_hi, lo, lo))
        elif (a_hi - lo) * (b_hi - lo) <= MAX_COMPARED_CELLS:
            matcher = difflib.SequenceMatcher(None, before[lo:a_hi], after[lo:b_hi])
            codes += [(tag, i1 + lo, i2 + lo, j1 + lo, j2 + lo) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
        else:
            codes.append(("replace", lo, a_hi, lo, b_hi))
            whole = True
    if a_hi < len(before):
        codes.append(("equal", a_hi, len(before), b_hi, len(after)))
    return codes, whole


def grouped(codes: list[Opcode], n: int = CONTEXT_LINES) -> Iterator[list[Opcode]]:
    """Hunks with n lines of context, exactly as difflib.SequenceMatcher.get_grouped_opcodes."""
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    codes = list(codes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    nn = n + n
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > nn:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    """A hunk range as difflib writes it."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def diff_lines(change: FileChange) -> tuple[Iterator[str], bool]:
    """The unified diff of one change, line by line (each ending in a newline), and whether a hunk
    was too large to compare. Nothing for an unchanged file."""
    before, after = _lines(change.before), _lines(change.after)
    codes, whole = opcodes(before, after, change.lo, change.before_hi, change.after_hi)

    def generate() -> Iterator[str]:
        started = False
        for group in grouped(codes):
            if not started:
                started = True
                yield f"--- a/{change.path}\n"
                yield f"+++ b/{change.path}\n"
            first, last = group[0], group[-1]
            yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    for line in before[i1:i2]:
                        yield f" {line}\n"
                    continue
                if tag in ("replace", "delete"):
                    for line in before[i1:i2]:
                        yield f"-{line}\n"
                if tag in ("replace", "insert"):
                    for line in after[j1:j2]:
                        yield f"+{line}\n"

    if not any(tag != "equal" for tag, *_ in codes):
        return iter(()), False
    return generate(), whole


def render(changes: list[FileChange], max_chars: int = MAX_DIFF_CHARS) -> Rendered:
    """The diffs of several files, capped at max_chars with a closing line that says what was cut."""
    out: list[str] = []
    size = 0
    cut_lines = cut_chars = wholes = 0
    for change in changes:
        lines, whole = diff_lines(change)
        wholes += whole
        for line in lines:
            if cut_lines == 0 and size + len(line) <= max_chars:
                out.append(line)
                size += len(line)
            else:
                cut_lines += 1
                cut_chars += len(line)
    notes = []
    if wholes:
        notes.append(
            "[the changed region was too large to compare line by line, so it is shown as one replacement]\n"
        )
    if cut_lines:
        notes.append(
            f"[diff cut here: {cut_lines:,} more lines ({cut_chars:,} characters) not shown; view_code shows the file as it is now]\n"
        )
    return Rendered("".join(out + notes), cut_lines, cut_chars, wholes)


def unified_diff(path: str, before: str | list[str], after: str | list[str]) -> str:
    """The bounded unified diff of one file's whole text."""
    return render([FileChange(path, before, after)]).text
