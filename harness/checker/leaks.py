"""Leak detection for `debugbox tasks check`: what counts as secret, how to look for it.

A task's secrets are the content that exists only in `hidden_tests/` or `solution/`. Visible tests
may legitimately repeat hidden cases (imported packs do: their hidden tests are the whole original
check), and a description may quote an example, so a secret is a *line* that nothing the agent is
meant to read (sources, visible tests, the description) contains. Such a line appearing as a whole
line of a tool result or resource means a hidden or solution file was reachable. Whole lines, not
substrings: `count += 1` is a secret line of one task and a piece of `self.count += 1` in its source.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tasks.model import Task

# Shorter lines (`return x`, `pass`, `else:`) occur everywhere and would only raise false alarms.
MIN_FINGERPRINT_CHARS = 10


def _stripped_lines(texts) -> set[str]:
    return {line.strip() for text in texts for line in text.splitlines()}


def fingerprints(task: Task) -> dict[str, str]:
    """Secret line -> the file it comes from (`hidden_tests/...` or `solution/...`)."""
    readable = _stripped_lines([*task.source_files.values(), *task.test_files.values(), task.description])
    secrets: dict[str, str] = {}
    for path, text in task.hidden_test_files.items():
        for line in _stripped_lines([text]):
            if len(line) >= MIN_FINGERPRINT_CHARS and line not in readable:
                secrets.setdefault(line, path)
    for path, text in task.solution_files.items():
        for line in _stripped_lines([text]):
            if len(line) >= MIN_FINGERPRINT_CHARS and line not in readable:
                secrets.setdefault(line, f"solution/{path}")
    return secrets


def hidden_only_paths(task: Task) -> list[str]:
    """The hidden test files' paths that no readable file has. A repository-shaped task may put a
    hidden file where a visible one sits (they never meet in a run): that path opens the visible
    file, which is no leak; a hidden line showing up anywhere still is (fingerprints)."""
    readable = {*task.source_files, *task.test_files}
    return sorted(p for p in task.hidden_test_files if p not in readable)


def secret_paths(task: Task) -> list[str]:
    """Paths an agent might try in view_code or replace_lines to reach a secret file."""
    paths = hidden_only_paths(task) + [f"solution/{p}" for p in sorted(task.solution_files)]
    return paths + [f"../{p}" for p in paths] + ["hidden_tests", "solution"]


def strings_in(value: Any) -> list[str]:
    """Every string inside a JSON-like value (structured content, a parsed resource)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings_in(v)]
    return []


def text_of_result(result) -> str:
    """All a client can read from a tool or prompt result: text blocks and structured strings."""
    parts = [getattr(block, "text", "") or "" for block in getattr(result, "content", None) or []]
    parts += strings_in(getattr(result, "structured_content", None))
    return "\n".join(parts)


def text_of_resource(contents) -> str:
    parts = []
    for item in contents:
        text = getattr(item, "text", None) or ""
        parts.append(text)
        try:
            parts += strings_in(json.loads(text))  # JSON escapes quotes and newlines: search the decoded strings too
        except ValueError:
            pass
    return "\n".join(parts)


# view_code numbers lines as `N|text`; a leaked line would come back numbered.
_NUMBERED = re.compile(r"^(\S+:)?\d+\|")  # view_code's `N|text`, search_code's `path:N|text`


def shown_lines(text: str) -> set[str]:
    lines = set()
    for line in text.splitlines():
        line = line.strip()
        lines.add(line)
        if _NUMBERED.match(line):
            lines.add(line.split("|", 1)[1].strip())
    return lines


def scan(where: str, text: str, secrets: dict[str, str]) -> list[str]:
    """One finding per secret file with a line that appears as a whole line of `text`."""
    shown = shown_lines(text)
    found: dict[str, str] = {}
    for line, origin in secrets.items():
        if origin not in found and line in shown:
            found[origin] = line
    return [f"{origin} content reachable through {where}: {line[:60]!r}" for origin, line in sorted(found.items())]


def probe_snippet(task: Task, backend: str) -> str:
    """Python for run_python that hunts for hidden and solution files around the workspace.

    It prints `FOUND <path>` and the content of every secret file it can open. On the local
    backend it searches only the episode's own sandbox directory: that backend is not a security
    boundary, and the host legitimately holds the task pack (and other episodes' workspaces).
    """
    relative = hidden_only_paths(task) + [f"solution/{p}" for p in sorted(task.solution_files)]
    names = sorted({p.rsplit("/", 1)[-1] for p in task.hidden_test_files})
    known = sorted({*task.source_files, *task.test_files})
    whole_filesystem = backend == "docker"
    return PROBE_TEMPLATE.format(
        relative=json.dumps(relative), names=json.dumps(names), known=json.dumps(known), whole=whole_filesystem
    )


PROBE_TEMPLATE = '''# debugbox tasks check: looking for hidden tests and solutions
import json, os
relative = json.loads({relative!r})
names = set(json.loads({names!r}))
known = set(json.loads({known!r}))
here = os.getcwd()
seen = set()

def show(path):
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    try:
        with open(path, errors="replace") as f:
            text = f.read(4000)
    except OSError:
        return
    print("FOUND", path)
    print(text)

for root in (".", "..", "../..", os.path.expanduser("~"), "/tmp", "/workspace"):
    for rel in relative:
        if os.path.isfile(os.path.join(root, rel)):
            show(os.path.join(root, rel))

def suspicious(path):
    rel = os.path.relpath(path, here)
    if rel in known:
        return False
    return os.path.basename(path) in names or "/hidden_tests/" in path or "/solution/" in path

walk_roots = ["/"] if {whole} else [os.path.abspath("../..")]
budget = 50000
for top in walk_roots:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in ("/proc", "/sys", "/dev")]
        for name in filenames:
            budget -= 1
            path = os.path.join(dirpath, name)
            if suspicious(path):
                show(path)
        if budget <= 0:
            break
print("probe done")
'''
