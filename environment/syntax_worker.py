"""The syntax check, and the worker process that runs it for the server. Standard library only.

Why a process: ast.parse is C code that holds the GIL from start to end (a 20,000-line file takes
~0.2 s, a 500 KB one up to ~0.9 s and ~200 MB), so in a thread it would still stall the server's event
loop for every episode. In a separate process it stalls nothing, and a parser crash or a memory
blow-up on hostile input costs the worker, not the server (environment/syntax_check.py drives it).

Protocol on stdin/stdout: a request is the line `<path bytes> <text bytes>\\n` followed by the UTF-8
path and text; the answer is one JSON line: the error's fields (none when the text parses) and
`rss`, the worker's resident memory afterwards, so that a worker left bloated can be replaced.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import warnings

MAX_LINE_SHOWN = 400  # characters of the offending line returned with the error
WORKER_MEMORY_BYTES = 1536 * 1024 * 1024  # address space of a worker; a parse past it is "not checked"


def find_syntax_error(path: str, text: str) -> dict | None:
    """The first syntax error of a Python file as {line, column, message, text}, or None (non-Python
    files always pass)."""
    if not path.endswith(".py"):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the agent's escapes are noise here
            ast.parse(text, filename=path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        shown = _line(text, line)
        if len(shown) > MAX_LINE_SHOWN:
            shown = shown[:MAX_LINE_SHOWN] + f"... ({len(shown)} characters)"
        return {"line": line, "column": exc.offset or 0, "message": exc.msg, "text": shown}
    except ValueError as exc:  # e.g. a NUL byte
        return {"line": 1, "column": 0, "message": str(exc), "text": ""}
    return None


def _line(text: str, number: int) -> str:
    """Line `number` (1-based) as Python counts lines (as environment/diffs.split_lines does)."""
    if number < 1:
        return ""
    lines = re.split(r"\r\n?|\n", text)
    return lines[number - 1] if number <= len(lines) else ""


def serve(stdin, stdout) -> None:
    while True:
        header = stdin.readline()
        if not header:
            return
        path_size, text_size = (int(n) for n in header.split())
        path = stdin.read(path_size).decode("utf-8", "surrogatepass")
        text = stdin.read(text_size).decode("utf-8", "surrogatepass")
        try:
            answer = find_syntax_error(path, text) or {}
        except MemoryError:
            answer = {"unchecked": "the file is too large for the syntax checker's memory"}
        except RecursionError:
            answer = {"unchecked": "the file nests too deeply for the syntax checker"}
        del text
        answer["rss"] = resident_bytes()
        stdout.write(json.dumps(answer).encode() + b"\n")
        stdout.flush()


def resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0  # not Linux: never replaced for its size


def main() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
