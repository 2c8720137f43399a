"""Read /proc/<pid>/stat: a process's state, parent and start time, for the server's own side.

The local backend walks the process tree with it to kill a runner's runs; the Docker backend tags
its containers with the server's start time, to tell a live server from a recycled pid. The runner
(sandbox/runner.py) keeps its own copy: it runs alone inside the sandbox, on the stdlib and pytest.
"""

from __future__ import annotations

import os
from typing import NamedTuple


class ProcStat(NamedTuple):
    state: str  # one letter: R running, S sleeping, Z zombie, T stopped, ...
    ppid: int
    start_ticks: int  # clock ticks after boot when it started: with the pid, names one process


def parse_stat(raw: bytes) -> ProcStat | None:
    """The fields of one stat line; None when it is cut short."""
    # The command name, in parentheses, may hold spaces or ')' itself: every field we want comes
    # after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if len(fields) < 20:
        return None
    return ProcStat(fields[0].decode(), int(fields[1]), int(fields[19]))


def read_stat(pid: int) -> ProcStat | None:
    """The stat of `pid`; None when it is gone (or not ours to read)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return parse_stat(f.read())
    except OSError:
        return None


def children_by_parent() -> dict[int, list[tuple[int, bool]]]:
    """ppid -> [(pid, is_zombie)] for every process on the host."""
    children: dict[int, list[tuple[int, bool]]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = read_stat(int(name))
        if stat is not None:
            children.setdefault(stat.ppid, []).append((int(name), stat.state == "Z"))
    return children
