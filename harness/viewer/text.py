"""Tool results as HTML: diffs coloured, numbered code set apart, failures highlighted.

The results are text written for a model (environment/results.py): unified diffs after edits,
`N|code` lines from view_code, `FAILED ...` and tracebacks from runs. Each line gets a class by
what it is; nothing is parsed deeper, so a tool added later (the debugger's) still reads well.
"""

from __future__ import annotations

import re
from html import escape

NUMBERED = re.compile(r"^(\s*)(\d+)([|:])(.*)$")
FAILURE = re.compile(r"^(FAILED\b|ERROR\b|E\s{2,}|Traceback \(most recent call last\)|\w*(Error|Exception)\b:|.*\bfailed\b.*\d+/\d+|\[sandbox_failure\])")
PASSED = re.compile(r"^(PASSED\b|Tests Passed: (\d+)/\2$|RESOLVED\b)")
WARNING = re.compile(r"^(WARNING|STEP BUDGET SPENT)")


def _diff_class(line: str) -> str | None:
    if line.startswith(("+++ ", "--- ")):
        return "dfile"
    if line.startswith("@@"):
        return "dhunk"
    if line.startswith("+"):
        return "dadd"
    if line.startswith("-"):
        return "ddel"
    if line.startswith((" ", "\\")) or line == "":
        return "dctx"
    return None


def classify(lines: list[str]) -> list[str | None]:
    """A CSS class per line (None: plain). A diff starts at `--- `/`+++ ` or `@@` and runs while its
    lines look like diff lines."""
    classes: list[str | None] = []
    in_diff = False
    for index, line in enumerate(lines):
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        if line.startswith("--- ") and nxt.startswith("+++ ") or line.startswith("@@ "):
            in_diff = True
        kind = _diff_class(line) if in_diff else None
        if in_diff and kind is None:
            in_diff = False
        if kind is None:
            if FAILURE.match(line):
                kind = "fail"
            elif PASSED.match(line):
                kind = "pass"
            elif WARNING.match(line):
                kind = "warn"
            elif NUMBERED.match(line):
                kind = "code"
        classes.append(kind)
    return classes


def render(text: str) -> str:
    """The text as the inside of a <pre>: one span per classed line."""
    lines = text.split("\n")
    out = []
    for line, kind in zip(lines, classify(lines)):
        if kind == "code":
            indent, number, sep, code = NUMBERED.match(line).groups()
            out.append(f'<span class=code><span class=ln>{escape(indent + number)}{escape(sep)}</span>{escape(code)}</span>')
        elif kind is None:
            out.append(escape(line))
        else:
            out.append(f"<span class={kind}>{escape(line)}</span>")
    return "\n".join(out)


def block(text: str, css: str = "out") -> str:
    return f"<pre class=\"{css}\">{render(text)}</pre>"
