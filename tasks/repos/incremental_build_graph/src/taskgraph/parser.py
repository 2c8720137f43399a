"""The Jobfile format: `job NAME:` headers, indented `key: value` lines, `#` comments.

Keys: run (required), needs, inputs, outputs, tags (comma-separated lists), env (`K=V, K2=V2`),
cpus (int), duration (seconds).
"""

from __future__ import annotations

import re

from taskgraph.errors import JobfileError
from taskgraph.spec import Job

_HEADER = re.compile(r"^job\s+(?P<name>\S+)\s*:\s*$")
_ENTRY = re.compile(r"^\s+(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
KEYS = ("run", "needs", "inputs", "outputs", "tags", "env", "cpus", "duration")


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _env(value: str, line: int) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in _split(value):
        name, sep, val = item.partition("=")
        if not sep or not name:
            raise JobfileError(f"env entry {item!r} must look like NAME=value", line)
        pairs.append((name.strip(), val.strip()))
    return tuple(sorted(pairs))


def _build(name: str, fields: dict[str, tuple[str, int]], header_line: int) -> Job:
    if "run" not in fields:
        raise JobfileError(f"job {name!r} has no `run:` line", header_line)
    kwargs: dict = {"name": name, "command": fields["run"][0]}
    for key in ("needs", "inputs", "outputs"):
        if key in fields:
            kwargs[key] = _split(fields[key][0])
    if "tags" in fields:
        kwargs["tags"] = frozenset(_split(fields["tags"][0]))
    if "env" in fields:
        kwargs["env"] = _env(*fields["env"])
    for key, convert in (("cpus", int), ("duration", float)):
        if key in fields:
            value, line = fields[key]
            try:
                kwargs[key] = convert(value)
            except ValueError:
                raise JobfileError(f"{key} must be a number, not {value!r}", line) from None
    try:
        return Job(**kwargs)
    except ValueError as exc:
        raise JobfileError(str(exc), header_line) from None


def parse_jobfile(text: str) -> list[Job]:
    jobs: list[Job] = []
    seen: set[str] = set()
    current: tuple[str, int] | None = None
    fields: dict[str, tuple[str, int]] = {}
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        header = _HEADER.match(raw)
        if header:
            if current:
                jobs.append(_build(current[0], fields, current[1]))
            name = header["name"]
            if name in seen:
                raise JobfileError(f"job {name!r} is defined twice", line_no)
            seen.add(name)
            current, fields = (name, line_no), {}
            continue
        entry = _ENTRY.match(raw)
        if not entry:
            raise JobfileError(f"expected `job NAME:` or an indented `key: value`, got {raw.strip()!r}", line_no)
        if current is None:
            raise JobfileError("an entry outside any job", line_no)
        key = entry["key"]
        if key not in KEYS:
            raise JobfileError(f"unknown key {key!r} (keys: {', '.join(KEYS)})", line_no)
        if key in fields:
            raise JobfileError(f"{key!r} is given twice for job {current[0]!r}", line_no)
        fields[key] = (entry["value"].strip(), line_no)
    if current:
        jobs.append(_build(current[0], fields, current[1]))
    return jobs
