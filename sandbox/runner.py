#!/usr/bin/env python3
"""The debugbox runner: the one program that runs inside a sandbox.

It imports pytest once, then reads line-delimited JSON requests on stdin and answers with
line-delimited JSON events on stdout. Every run happens in a child forked from this
pristine process, in a freshly written workspace, so no run sees another's modules,
files or processes. Standard library and pytest only: it runs on any Python 3.11 image.

Requests:
  {"op": "ping", "id": ...}
  {"op": "run", "id": ..., "kind": "pytest" | "python", "files": {path: text},
   "targets": [paths or node ids], "code": str, "timeout_s": float, "test_timeout_s": float,
   "max_output_bytes": int, "limits": {"memory_mb": int, "nproc": int, "fsize_mb": int},
   "root": project dir (pytest's cwd and rootdir; node ids stay relative to the workspace),
   "pytest_args": [the task's extra options], "markers": a -m expression, "preload": [module names]}
  {"op": "run", "kind": "trace", ..., "trace_function": name}   (targets or code, traced: done has "trace")
  {"op": "debug_start", "id": ..., "files": {...}, "target": {"kind": "test", "test": node id} |
   {"kind": "python", "code": str}, "breakpoints": [{"path", "line", "condition"}], "timeout_s"
   (the session's wall-time cap), "start_timeout_s", "command_timeout_s", "max_output_bytes", "limits"}
  {"op": "debug_command", "id": ..., "command": one pdb command, "timeout_s": float}
  {"op": "debug_stop", "id": ...}
   each answers done {state: stopped|ended|none, stop, output, program_output, breakpoints, ...};
   the session stays paused between requests, and any other request (but a ping) ends it first.
  {"op": "recycle", "id": ...}   (the episode is over: before a container serves another one)
  {"op": "shutdown"}
Events (each carries the request id):
  pong {protocol, runs, ...} | collected {nodeids} | test {nodeid, outcome, ...} | done {the whole result}
  | error {message}
  recycle answers done {clean: bool, leftovers: [what is left: files, processes, IPC objects]}; when
  clean, the runner then replaces itself (execve) with a fresh runner: nothing an episode put in this
  process's memory (its code, its tests, the hidden tests of a submit) can reach the next episode.
  The fresh runner answers pings with runs == 0.
A run with "scoring": true carries hidden tests: nothing of it is cached, and afterwards this process
refuses every run until it is recycled or ends.

Scoring integrity: the code under test runs in the same interpreter as pytest, so the parent takes
little on trust. The child's events count only with a per-run token (a blind write to the event
pipe is ignored). Every pytest run carries a planted harness check: two tests that must fail, one
run before the real tests and one after. If either passes, is skipped, or the tests run without
it, something rewired pytest (a patched runtest, a plugin that forges reports), and so does a test
file that changed during the run; then no result of the run counts (every test is an error).
The test guard (TestGuard) voids a run the same way when a test function is not the code its module
compiled to, or when the code under test sets a trace or profile hook, a function's __code__, reaches
the C API or raw memory through ctypes, or forges a code object's file name.
This stops generic tampering, not code written against this runner's internals (docs/SECURITY.md).
"""

from __future__ import annotations

import argparse
import ast
import ctypes
import gc
import hashlib
import json
import linecache
import os
import re
import reprlib
import resource
import secrets
import select
import shutil
import signal
import sys
import time
import traceback
from collections import OrderedDict
from types import CodeType

import _pytest.assertion.rewrite
import _pytest.config
import _pytest.runner
import pdb  # noqa: F401 - imported once here, so that no debugger session pays for it after the fork
import pytest

# Import pytest's default plugins now, once, so that no run pays for them after the fork.
for _plugin in _pytest.config.default_plugins:
    try:
        __import__(f"_pytest.{_plugin}")
    except ImportError:
        pass

PROTOCOL_VERSION = 5  # 5: a run's root, pytest_args, markers and preload
MAX_REQUEST_BYTES = 64 * 1024 * 1024
# Every event we send stays far below the server's line limit (32 MiB): whatever the code under test
# makes of names and messages, its result is cut here, never turned into a failure of the sandbox.
MAX_EVENT_BYTES = 8 * 1024 * 1024
MAX_TEXT_PER_TEST = 4000
MAX_NAME_CHARS = 1000  # node ids, paths, function and exception names: agent code can make them huge
MAX_FRAMES = 64
MAX_TESTS_REPORTED = 20_000
MAX_CAPTURED_CHARS = 2000  # per captured section (stdout, stderr, log) of one test
MAX_SECTIONS = 6
MAX_PARAMS = 20
DEADLINE_ENV = "DEBUGBOX_RUNNER_DEADLINE"  # the container's hard end, carried across a recycle
MAX_RESTARTS = 100  # re-forks after a test hangs or kills its process
HARD_KILL_GRACE_S = 2.0  # past the per-test alarm, the parent kills the child
PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4
IPC_RMID = 0

OUTCOMES = ("passed", "failed", "error", "skipped", "timeout")


# ---------------------------------------------------------------------------
# Process hygiene: every process a run starts is dead when the run returns.


def become_subreaper() -> None:
    """Orphans of a run (daemons, double forks) are re-parented to us, so we can kill them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # PID 1 in a container is the reaper anyway


def refuse_tracing() -> None:
    """Not dumpable: a run's processes share our uid, and could otherwise ptrace us (stop us, or
    rewrite our memory and with it the results we report) or read /proc/<our pid>/mem."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def remove_ipc_objects() -> None:
    """System V shared memory, message queues and semaphores outlive the processes that made them.
    Only for a runner alone in its IPC namespace (a container): elsewhere they are not ours."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return
    for kind, id_column in (("shm", "shmid"), ("msg", "msqid"), ("sem", "semid")):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                header, *rows = f.read().splitlines()
            column = header.split().index(id_column)
        except (OSError, ValueError):
            continue
        for row in rows:
            try:
                ident = int(row.split()[column])
            except (IndexError, ValueError):
                continue
            if kind == "shm":
                libc.shmctl(ident, IPC_RMID, None)
            elif kind == "msg":
                libc.msgctl(ident, IPC_RMID, None)
            else:
                libc.semctl(ident, 0, IPC_RMID)


def _parent_map() -> dict[int, int]:
    # The server's side reads /proc/<pid>/stat with sandbox/procstat.py; this script runs alone in
    # the sandbox (the stdlib and pytest only), so it keeps its own copy of that parsing.
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: parse after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1:
            parents[int(name)] = int(fields[1])
    return parents


def descendants(root: int) -> list[int]:
    parents = _parent_map()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in found}
        found |= frontier
    return sorted(found)


def reap(statuses: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = status


def kill_everything_started(statuses: dict[int, int], spare: set[int] = frozenset()) -> None:
    """SIGKILL every descendant (but `spare`: a live debugger session's processes) until none is
    left; a fork bomb gets several sweeps."""
    me = os.getpid()
    for _ in range(200):
        pids = [pid for pid in descendants(me) if pid not in spare]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.002)
        reap(statuses)
    reap(statuses)


# ---------------------------------------------------------------------------
# Output: keep the head and the tail, say how much was cut between them.


class HeadTail:
    """A stream's first and last bytes, whatever its length, in bounded memory: the head fills
    first, the tail keeps the last bytes; what falls between is counted (bytes and lines), not kept.
    The text is cut at line boundaries where the kept parts have any."""

    MARK_RESERVE = 80  # room for the cut mark within the limit

    def __init__(self, limit: int):
        self.limit = max(0, limit)
        room = max(0, self.limit - self.MARK_RESERVE)
        self.head_limit = room // 2
        self.tail_limit = room - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.newlines = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.newlines += chunk.count(b"\n")
        if len(self.head) < self.head_limit:
            taken = self.head_limit - len(self.head)
            self.head += chunk[:taken]
            chunk = chunk[taken:]
        self.tail += chunk
        if len(self.tail) > 2 * self.limit + 65536:
            del self.tail[: len(self.tail) - self.limit]

    def text(self) -> tuple[str, int]:
        """The kept text (with the cut marked in it) and how many bytes were cut."""
        if self.total <= self.limit:
            return (bytes(self.head) + bytes(self.tail)).decode("utf-8", errors="replace"), 0
        head = bytes(self.head)
        tail = bytes(self.tail[len(self.tail) - self.tail_limit :]) if self.tail_limit else b""
        if b"\n" in head:
            head = head[: head.rindex(b"\n") + 1]
        if b"\n" in tail[:-1]:
            tail = tail[tail.index(b"\n") + 1 :]
        cut = self.total - len(head) - len(tail)
        cut_lines = self.newlines - head.count(b"\n") - tail.count(b"\n")
        newline = "" if not head or head.endswith(b"\n") else "\n"
        mark = f"{newline}{cut_mark(cut_lines, cut)}\n"
        return head.decode("utf-8", errors="replace") + mark + tail.decode("utf-8", errors="replace"), cut


def cut_mark(lines: int, size: int, unit: str = "bytes") -> str:
    return f"[... {lines} lines ({size} {unit}) cut ...]" if lines else f"[... {size} {unit} cut ...]"


def cap(text: str, limit: int = MAX_TEXT_PER_TEST) -> str:
    """At most about `limit` characters: the head and the tail, cut at line boundaries where there
    are any, the cut marked with its size (a failure's test line is at the head, its error at the tail)."""
    if len(text) <= limit:
        return text
    half = max(0, limit - 60) // 2
    head, tail = text[:half], text[len(text) - half :] if half else ""
    if "\n" in head:
        head = head[: head.rindex("\n") + 1]
    if "\n" in tail[:-1]:
        tail = tail[tail.index("\n") + 1 :]
    cut = text[len(head) : len(text) - len(tail)]
    newline = "" if head.endswith("\n") or not head else "\n"
    return f"{head}{newline}{cut_mark(cut.count(chr(10)), len(cut), 'characters')}\n{tail}"


def clip(value, limit: int = MAX_NAME_CHARS) -> str:
    """A name the code under test may have made (a node id, a function or exception name): kept
    whole up to `limit` characters, else its head with the cut marked."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}[... {len(text) - limit} characters cut]"


def clip_frames(frames) -> list[dict]:
    """At most MAX_FRAMES frames (the innermost ones), every field bounded."""
    if not isinstance(frames, list):
        return []
    kept = []
    for frame in frames[-MAX_FRAMES:]:
        if isinstance(frame, dict):
            line = frame.get("line")
            kept.append({"path": clip(frame.get("path", "")), "line": line if isinstance(line, int) else 0, "function": clip(frame.get("function", ""), 200)})
    return kept


def clip_text(value, limit: int = MAX_TEXT_PER_TEST):
    return None if value is None else cap(value if isinstance(value, str) else str(value), limit)


def clip_params(params) -> dict[str, str] | None:
    if not isinstance(params, dict):
        return None
    return {clip(name, 100): clip(value, 200) for name, value in list(params.items())[:MAX_PARAMS]} or None


class LineReader:
    """Newline-delimited lines from a pipe whose writer we do not trust: a line longer than `limit`
    is dropped whole (counted in `dropped`) instead of growing our memory without bound."""

    def __init__(self, limit: int):
        self.limit = limit
        self.pending = bytearray()
        self.skipping = False
        self.dropped = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        lines = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if self.skipping:
                self.skipping = False
            else:
                lines.append(bytes(self.pending) + chunk[start:end])
            self.pending.clear()
            start = end + 1
        if not self.skipping:
            self.pending += chunk[start:]
            if len(self.pending) > self.limit:
                self.pending.clear()
                self.skipping = True
                self.dropped += 1
        return lines


# ---------------------------------------------------------------------------
# Inside the child.


class TestTimeout(BaseException):
    """Raised by the per-test alarm. A BaseException so `except Exception` in agent code can't swallow it."""


class SnippetTimeout(BaseException):
    """Raised in a snippet shortly before its run's deadline, so that the result shows where it was
    stuck; the parent's hard kill stays the backstop (code stuck in C, or catching BaseException)."""


def snippet_alarm_s(timeout_s: float) -> float:
    """When the snippet's alarm rings: early enough to report before the hard kill."""
    return max(0.05, timeout_s - min(0.5, 0.2 * timeout_s))


def _frames(tb_entries, workspace: str) -> list[dict]:
    frames = []
    for path, lineno, name in tb_entries:
        path = os.path.realpath(str(path))
        if path.startswith(workspace + os.sep):
            frames.append({"path": clip(os.path.relpath(path, workspace)), "line": lineno, "function": clip(name, 200)})
    return frames


def _exception_frames(exc: BaseException, workspace: str) -> list[dict]:
    entries = [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(exc.__traceback__)]
    if isinstance(exc, SyntaxError) and exc.filename:
        entries.append((exc.filename, exc.lineno or 1, "<module>"))
    return _frames(entries, workspace)[-MAX_FRAMES:]


# Absolute `File "...", line N` (tracebacks) and `path.py:N:` at a line start (pytest's short
# tracebacks, relative to the workspace, which is the child's working directory).
_LOCATION_PATTERNS = (re.compile(r'File "([^"]+)", line (\d+)'), re.compile(r"^([^:\s]+\.py):(\d+)", re.M))


def _frames_in_text(text: str, workspace: str) -> list[dict]:
    """Collection errors reach pytest hooks only as text: pick the file:line locations out of it."""
    found = []
    for pattern in _LOCATION_PATTERNS:
        found += [(m.start(), m.group(1), int(m.group(2))) for m in pattern.finditer(text)]
    return _frames([(path, line, "<module>") for _, path, line in sorted(found)], workspace)


# The header of one entry of pytest's short traceback: `path:line: in function`, unindented; its
# source lines follow, indented by four spaces.
_ENTRY_HEADER = re.compile(r"^(\S.*?):(\d+): in \S.*$")


def own_frames_only(text: str, workspace: str) -> str:
    """A pytest failure report with only the episode's own files in it: paths relative to the
    workspace, and the entries of every other file (pytest, the runner, the standard library,
    installed packages) dropped with their source lines. The error lines (`E ...`) stay whole."""
    text = text.replace(workspace + os.sep, "")
    kept, skipping = [], False
    for line in text.split("\n"):
        header = _ENTRY_HEADER.match(line)
        if header:
            # pytest writes a path outside the working directory (the workspace) as `../..` when that is shorter
            skipping = os.path.isabs(header.group(1)) or os.path.normpath(header.group(1)).startswith("..")
        elif not (skipping and line.startswith("    ")):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


_PARAM_REPR = reprlib.Repr()
_PARAM_REPR.maxstring = _PARAM_REPR.maxother = 120


def param_reprs(item) -> dict[str, str] | None:
    """A parametrized test's arguments, each repr bounded (the test may pass any object)."""
    callspec = getattr(item, "callspec", None)
    params = getattr(callspec, "params", None)
    if not isinstance(params, dict) or not params:
        return None
    shown = {}
    for name, value in list(params.items())[:MAX_PARAMS]:
        try:
            text = _PARAM_REPR.repr(value)
        except Exception:  # noqa: BLE001 - a broken __repr__ of the test's own objects
            text = f"<{type(value).__name__} object: repr failed>"
        shown[clip(name, 100)] = clip(text, 200)
    return shown


def captured_sections(report) -> str | None:
    """What a test printed (stdout, stderr, log records), per phase, as pytest captured it."""
    parts = []
    for title, content in list(getattr(report, "sections", None) or [])[:MAX_SECTIONS]:
        if isinstance(content, str) and content.strip():
            parts.append(f"{clip(title, 100)}:\n{cap(content.rstrip(), MAX_CAPTURED_CHARS)}")
    return "\n".join(parts) or None


class Reporter:
    """A pytest plugin that streams each test's outcome to the parent as it finishes."""

    def __init__(self, send, workspace: str, test_timeout_s: float, check: dict | None = None, verbose: bool = False):
        self.send = send
        self.workspace = workspace
        self.test_timeout_s = test_timeout_s
        self.verbose = verbose  # captured output of passing tests too
        self.check = check  # the planted harness check: {"path", "first", "last", "secret"}
        self.results: dict[str, dict] = {}

    def _check_role(self, nodeid: str) -> str | None:
        """The role of a planted check's test ("first" or "last"); None for a real test."""
        if not self.check:
            return None
        path, _, name = nodeid.partition("::")
        if path != self.check["path"]:
            return None
        return {self.check["first"]: "first", self.check["last"]: "last"}.get(name, "other")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, session, config, items):
        planted = [item for item in items if self._check_role(item.nodeid) in ("first", "last")]
        yield
        # A selection the task's configuration makes (-m, or -k in its addopts) never drops the check.
        present = {id(item) for item in items}
        items.extend(item for item in planted if id(item) not in present)
        # Whatever order other plugins chose: one check before every test, one after.
        roles = {id(item): self._check_role(item.nodeid) for item in items}
        items.sort(key=lambda item: {"first": 0, "last": 2}.get(roles[id(item)], 1))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        role = self._check_role(item.nodeid)
        if role is None:
            return None
        # pytest's own protocol, looked up now: whatever rewired it for the tests rewires the check
        # too. log=False keeps the check out of the terminal output, the stats and the exit status.
        reports = _pytest.runner.runtestprotocol(item, log=False, nextitem=nextitem)
        as_planted = any(r.when == "call" and r.failed and self.check["secret"] in r.longreprtext for r in reports)
        self.send({"event": "check", "role": role, "as_planted": as_planted})
        return True

    def pytest_collectreport(self, report):
        if report.failed:
            text = report.longreprtext
            self.send({"event": "collect_error", "nodeid": report.nodeid, "longrepr": cap(own_frames_only(text, self.workspace)), "frames": _frames_in_text(text, self.workspace)})

    # The parent drops the check's node ids from these itself: it trusts nothing the child filters.
    def pytest_collection_finish(self, session):
        self.send({"event": "collected", "nodeids": [clip(item.nodeid) for item in session.items[: MAX_TESTS_REPORTED + 2]]})

    def pytest_runtest_logstart(self, nodeid, location):
        self.send({"event": "start", "nodeid": nodeid})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        def on_alarm(signum, frame):
            __tracebackhide__ = True  # the report shows where the test was, not this handler
            raise TestTimeout(f"test exceeded its {self.test_timeout_s:g} s time limit")

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.test_timeout_s)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is None or report.passed:
            return
        result = self.results.setdefault(item.nodeid, {"nodeid": item.nodeid})
        if result.get("message"):
            return  # the first failing phase explains the test best
        exc = call.excinfo.value
        result["params"] = param_reprs(item)
        result["message"] = cap(call.excinfo.exconly().strip().replace(self.workspace + os.sep, ""), 500)
        result["frames"] = _exception_frames(exc, self.workspace)
        if isinstance(exc, TestTimeout):
            result["timed_out"] = True

    def pytest_runtest_logreport(self, report):
        role = self._check_role(report.nodeid)
        if role is not None:
            # The check runs unlogged; a report of it here came from something else's protocol.
            self.send({"event": "check", "role": role, "as_planted": False})
            return
        result = self.results.setdefault(report.nodeid, {"nodeid": report.nodeid})
        result["duration"] = round(result.get("duration", 0.0) + report.duration, 4)
        if report.when == "call":
            result["outcome"] = "timeout" if result.get("timed_out") else report.outcome
        elif report.failed:
            result["outcome"] = "error"  # setup or teardown failed
        elif report.skipped and "outcome" not in result:
            result["outcome"] = "skipped"
        if report.failed and not result.get("longrepr"):
            result["longrepr"] = cap(own_frames_only(report.longreprtext, self.workspace))
        if report.when == "teardown":
            result.setdefault("outcome", "error")
            if result["outcome"] not in ("passed", "skipped") or self.verbose:
                result["captured"] = captured_sections(report)
            result.pop("timed_out", None)
            self.send({"event": "test", **result})


def _apply_limits(limits: dict) -> None:
    def set_limit(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    if limits.get("memory_mb"):
        set_limit(resource.RLIMIT_AS, int(limits["memory_mb"]) * 1024 * 1024)
    if limits.get("nproc"):
        set_limit(resource.RLIMIT_NPROC, int(limits["nproc"]))
    if limits.get("fsize_mb"):
        set_limit(resource.RLIMIT_FSIZE, int(limits["fsize_mb"]) * 1024 * 1024)
    if limits.get("cpu_s"):
        set_limit(resource.RLIMIT_CPU, int(limits["cpu_s"]))
    set_limit(resource.RLIMIT_CORE, 0)


# -- the test guard: what the code under test may not do to the tests -----------------------------
# The code under test runs in pytest's own process, so it could rewrite the tests in memory (swap a
# test function for a no-op, set its __code__, install a profile hook that does it as the module
# finishes importing) without rewiring pytest, which the planted check alone would not see. The
# guard, installed in every pytest run's child before any task code is imported, has two layers:
#   1. each test module's code object, as pytest compiled it, is recorded (seen from an audit hook,
#      so restoring pytest's loader does not hide a module); before a test is called, its function
#      must come from that code and run in that module's namespace;
#   2. a permanent audit hook (CPython offers no way to remove one) refuses, while editable code is
#      on the stack, what a fix never needs and a rewrite does: sys.settrace / sys.setprofile,
#      setting a function's __code__, the C API through ctypes, raw memory through ctypes, and code
#      compiled or built under the name of a file outside the workspace (a forged origin).
# A flagged run ends as a tampered one (parent: Run._tamper): nothing of it counts. Debugger and
# trace runs have their own children and are not guarded (they use settrace themselves).

GUARDED_EVENTS = frozenset({"sys.settrace", "sys.setprofile", "object.__setattr__", "ctypes.dlsym", "ctypes.cdata", "compile", "code.__new__", "exec", "function.__new__"})
MAX_WRAPPERS = 16  # __wrapped__ links followed from a collected test to the function it wraps


class GuardViolation(RuntimeError):
    """Raised into the code that tried something the test guard refuses (the run is void already)."""


def _code_index(code: CodeType) -> tuple[set[CodeType], dict[str, set[CodeType]]]:
    """Every code object inside a module's code (functions, classes, nested), and the functions
    defined directly in the module body or a class body, by name."""
    every: set[CodeType] = set()
    by_name: dict[str, set[CodeType]] = {}

    def walk(co: CodeType, top_level: bool) -> None:
        for const in co.co_consts:
            if isinstance(const, CodeType) and const not in every:
                every.add(const)
                # A class body's code is called like a function: its defs are top-level too.
                is_class_body = top_level and const.co_flags & 0x2 == 0  # no CO_NEWLOCALS: a class body
                if top_level and not is_class_body:
                    by_name.setdefault(const.co_name, set()).add(const)
                walk(const, is_class_body)

    every.add(code)
    walk(code, True)
    return every, by_name


class TestGuard:
    """Both layers, for one pytest run in its forked child. `report(why)` tells the parent."""

    def __init__(self, workspace: str, report):
        self.workspace = workspace.rstrip(os.sep) + os.sep
        self.report = report
        self.modules: dict[int, tuple[object, set[CodeType], dict[str, set[CodeType]]]] = {}  # id(namespace) ->
        self.helpers: dict[int, tuple[dict, set[CodeType], dict[str, set[CodeType]]]] = {}  # other workspace modules
        self.module_files: set[str] = set()  # the recorded modules' files: tests, conftests, the check
        self.flagged: str | None = None
        self._exec_module_code = _pytest.assertion.rewrite.AssertionRewritingHook.exec_module.__code__
        self._own_codes = {TestGuard._audit.__code__, TestGuard.flag.__code__}

    def install(self) -> None:
        sys.addaudithook(self._audit)

    # -- what is whose ----------------------------------------------------------------------------
    def _editable_frame(self, frame) -> bool:
        """Code of the workspace that is not a test module pytest loaded (by its file or its namespace:
        a forged file name does not hide code run in an editable module's namespace)."""
        filename = frame.f_code.co_filename
        if filename.startswith(self.workspace) and filename not in self.module_files:
            return True
        module_file = frame.f_globals.get("__file__")
        return isinstance(module_file, str) and module_file.startswith(self.workspace) and module_file not in self.module_files

    def _editable_on_stack(self, frame) -> str | None:
        while frame is not None:
            if self._editable_frame(frame):
                return os.path.relpath(frame.f_code.co_filename, self.workspace) if frame.f_code.co_filename.startswith(self.workspace) else str(frame.f_globals.get("__name__"))
            frame = frame.f_back
        return None

    def _forged_origin(self, filename) -> bool:
        return isinstance(filename, str) and os.path.isabs(filename) and not filename.startswith(self.workspace)

    def flag(self, why: str) -> None:
        if self.flagged is None:
            self.flagged = why
            self.report(why)
        raise GuardViolation(f"debugbox test guard: {why}; the run is void")

    # -- layer 2: the audit hook ------------------------------------------------------------------
    def _audit(self, event: str, args: tuple) -> None:
        if event not in GUARDED_EVENTS:
            return
        # The cheap refusals first: a class attribute set or a C library lookup happens often.
        if event == "object.__setattr__" and not (len(args) >= 2 and args[1] == "__code__"):
            return
        if event == "ctypes.dlsym" and not (len(args) >= 2 and isinstance(args[1], str) and args[1].lstrip("_").startswith("Py")):
            return
        caller = sys._getframe(1)
        if event == "exec" and caller.f_code is self._exec_module_code:
            # pytest's loader running a test module's code: record it (the first exec of its file).
            self._record(caller.f_locals.get("module"), args[0])
            return
        if event == "exec" and caller.f_code.co_name == "_call_with_frames_removed" and caller.f_globals.get("__name__") == "importlib._bootstrap":
            # Python's loader running a workspace module that pytest does not rewrite (a tests'
            # helper with a base class of tests, or an editable module): kept apart, see problem().
            loaded = caller.f_locals.get("args") or ()
            if len(loaded) >= 2 and isinstance(loaded[0], CodeType) and isinstance(loaded[1], dict) and loaded[0].co_filename.startswith(self.workspace) and id(loaded[1]) not in self.helpers:
                self.helpers[id(loaded[1])] = (loaded[1], *_code_index(loaded[0]))
            return
        if event in ("compile", "code.__new__", "exec", "function.__new__"):
            # Only a forged origin, and only when editable code itself makes it.
            if event == "compile":
                forged = self._forged_origin(args[1] if len(args) > 1 else None)
            elif event == "code.__new__":
                forged = self._forged_origin(args[1] if len(args) > 1 else None)
            else:
                forged = isinstance(args[0], CodeType) and self._forged_origin(args[0].co_filename)
            if caller.f_code is ast.parse.__code__:
                caller = caller.f_back  # ast.parse(source, filename) compiles for its caller
            if not forged or caller is None or not self._editable_frame(caller):
                return
            where = os.path.relpath(caller.f_code.co_filename, self.workspace) if caller.f_code.co_filename.startswith(self.workspace) else "editable code"
            name = args[1] if event in ("compile", "code.__new__") else args[0].co_filename
            self.flag(f"{where} made code that claims to come from {clip(name, 200)} ({event}), which a fix never needs")
        where = self._editable_on_stack(caller)
        if where is None:
            return
        what = {
            "sys.settrace": "called sys.settrace",
            "sys.setprofile": "called sys.setprofile",
            "object.__setattr__": "replaced a function's __code__",
            "ctypes.dlsym": f"reached the Python C API through ctypes ({clip(args[1], 100) if event == 'ctypes.dlsym' else ''})",
            "ctypes.cdata": "read or wrote raw memory through ctypes",
        }[event]
        self.flag(f"{where} {what} while the tests ran, which a fix never needs; the tests' own code is off limits")

    def _record(self, module, code) -> None:
        if module is None or not isinstance(code, CodeType) or id(module.__dict__) in self.modules:
            return
        every, by_name = _code_index(code)
        self.modules[id(module.__dict__)] = (module, every, by_name)
        self.module_files.add(code.co_filename)

    # -- layer 1: the test about to be called -----------------------------------------------------
    def problem(self, item) -> str | None:
        """Why the function pytest is about to call is not the test the module defined, or None."""
        module = getattr(item, "module", None)
        func = getattr(item, "obj", None)
        func = getattr(func, "__func__", func)  # a method of a test class
        if module is None or not hasattr(func, "__code__"):
            return None
        name = getattr(item, "originalname", None) or item.name
        if id(module.__dict__) not in self.modules:
            return f"pytest's own compiled code for {getattr(module, '__name__', '?')} was not seen"
        handle = getattr(func, "hypothesis", None)
        if handle is not None and hasattr(getattr(handle, "inner_test", None), "__code__"):
            # hypothesis' @given: what pytest calls is a generated `def test(...): return accept(...)`
            # that hands over to hypothesis' engine, which runs inner_test: that one is the test.
            if not self._hypothesis_wrapper(func, handle):
                return f"the test function {name} is wrapped by code outside the tests"
            func = getattr(handle.inner_test, "__func__", handle.inner_test)
        chain = [func]
        while hasattr(chain[-1], "__wrapped__") and len(chain) <= MAX_WRAPPERS:
            inner = chain[-1].__wrapped__
            inner = getattr(inner, "__func__", inner)
            if not hasattr(inner, "__code__"):
                break
            chain.append(inner)
        innermost = chain[-1]
        if not self._defined_in_tests(innermost, name if len(chain) == 1 else None) and not self._defined_in_helper(innermost, name):
            return f"the test function {name} is not the one its module defined"
        for wrapper in chain[:-1]:
            # A wrapper (hypothesis' @given, mock.patch, a functools.wraps decorator) is code of a
            # test module or of an installed library, never code of the workspace's editable files.
            if self._defined_in_tests(wrapper, None):
                continue
            filename = wrapper.__code__.co_filename
            if filename.startswith(self.workspace) or wrapper.__globals__.get("__file__", "") .startswith(self.workspace):
                return f"the test function {name} is wrapped by code outside the tests"
        return None

    def _hypothesis_wrapper(self, func, handle) -> bool:
        """Made by hypothesis: its handle, and a closure over its engine's wrapper (in hypothesis.core)."""
        core = sys.modules.get("hypothesis.core")
        if core is None or type(handle) is not getattr(core, "HypothesisHandle", None):
            return False
        if str(func.__globals__.get("__file__") or "").startswith(self.workspace):
            return False
        cells = [cell.cell_contents for cell in func.__closure__ or () if cell.cell_contents is not None]
        return len(cells) == 1 and getattr(getattr(cells[0], "__code__", None), "co_filename", None) == core.__file__

    def _defined_in_helper(self, func, name: str) -> bool:
        """A test defined in a workspace module pytest did not rewrite (a base class of tests in a
        helper): only under its own name, by a def in the module or class body. Editable code
        could define such a function too, but only for test names it knows (not the hidden ones)."""
        entry = self.helpers.get(id(func.__globals__))
        return entry is not None and func.__globals__ is entry[0] and func.__code__ in entry[2].get(name, ())

    def _defined_in_tests(self, func, name: str | None) -> bool:
        entry = self.modules.get(id(func.__globals__))
        if entry is None:
            return False
        module, every, by_name = entry
        if func.__globals__ is not module.__dict__ or func.__code__ not in every:
            return False
        # A test's name, where the module defines a function of that name: that function's code
        # (not another test's body swapped in); a name bound otherwise (an alias, a factory) is free.
        if name is not None and name in by_name and func.__code__ not in by_name[name]:
            top_level = set().union(*by_name.values())
            return func.__code__ not in top_level
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        why = self.problem(pyfuncitem)
        if why is not None:
            self.flag(why)
        return None


def child_main(request: dict, workspace: str, targets: list[str], event_fd: int, token: str = "", check: dict | None = None) -> int:
    events = os.fdopen(event_fd, "w", buffering=1)

    def send_raw(event: dict) -> None:
        # The guard's report: straight to the pipe, past anything the code under test patched.
        line = (json.dumps({**event, "token": token}) + "\n").encode()
        try:
            os.write(event_fd, line)
        except OSError:
            pass

    def send(event: dict) -> None:
        # Bounded here, where the names are made: a line past the parent's limit would be dropped whole.
        if "nodeid" in event:
            event["nodeid"] = clip(event["nodeid"])
        if event.get("frames"):
            event["frames"] = event["frames"][-MAX_FRAMES:]
        events.write(json.dumps({**event, "token": token}) + "\n")
        events.flush()

    root = project_root(request, workspace)
    prefix = "" if root == workspace else os.path.relpath(root, workspace) + "/"
    if prefix:
        # pytest names tests from its rootdir (the project's root): the parent and the server know
        # them by their workspace paths, so every name crosses the pipe with the root in front.
        send_in_root = send

        def send(event: dict) -> None:
            if isinstance(event.get("nodeid"), str) and event["nodeid"]:
                event["nodeid"] = prefix + event["nodeid"]
            if isinstance(event.get("nodeids"), list):
                event["nodeids"] = [prefix + n for n in event["nodeids"]]
            send_in_root(event)

        targets = [t.removeprefix(prefix) for t in targets]
        if check:
            check = {**check, "path": check["path"].removeprefix(prefix)}
    os.chdir(root)
    sys.path[:0] = [root] if root == workspace else [root, workspace]
    os.environ.update(HOME=workspace, TMPDIR=workspace, PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    sys.dont_write_bytecode = True
    limits = dict(request.get("limits") or {})
    # CPU seconds: never more than the run's wall-clock budget could use, whatever was asked.
    limits["cpu_s"] = limits.get("cpu_s") or int(float(request.get("timeout_s") or 30)) + 2
    _apply_limits(limits)
    if request["kind"] == "trace":
        return trace_child(request, workspace, send, float(request.get("timeout_s") or 30), targets, root)
    if request["kind"] == "python":
        return _run_snippet(request.get("code", ""), workspace, send, float(request.get("timeout_s") or 30))
    reporter = Reporter(send, workspace, float(request.get("test_timeout_s") or 10), check, bool(request.get("verbose")))
    guard = TestGuard(workspace, lambda why: send_raw({"event": "guard", "why": clip(why, 500)}))
    guard.install()  # before pytest imports anything of the task
    keyword = request.get("keyword")
    if check:
        targets = [check["path"], *targets]  # collected first: before any code under test is imported
        if keyword is not None:
            # The planted check must run whatever the expression selects (its module's name matches).
            keyword = f"({keyword}) or {os.path.basename(check['path']).removesuffix('.py')}"
    return int(pytest.main(pytest_args(targets, root, keyword, request), plugins=[reporter, guard]))


def project_root(request: dict, workspace: str) -> str:
    """The run's pytest root: the workspace, or the task's [tests] root inside it (checked before)."""
    root = request.get("root") or "."
    return workspace if root == "." else os.path.join(workspace, root)


def pytest_args(targets: list[str], workspace: str, keyword: str | None = None, request: dict | None = None) -> list[str]:
    """pytest's command line: the task's own options first, then ours (argparse keeps the last of
    an option given twice, so the runner's settings win)."""
    request = request or {}
    markers = request.get("markers")
    # Attached to -k and -m, an expression is one argument that argparse never mistakes for an option.
    return [
        *(str(a) for a in request.get("pytest_args") or []),
        *(["-m" + markers] if isinstance(markers, str) else []),
        *(["-k" + keyword] if keyword is not None else []),
        *targets,
        # Assertion diffs in full (pytest 7 has no verbosity_assertions): the agent cannot ask for
        # -vv, and the terminal report this also makes longer is not shown to it.
        "-vv",
        "--rootdir",
        workspace,
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        "--color=no",
        "--tb=short",
        # A test module that fails to import must not stop the others from running.
        "--continue-on-collection-errors",
        "-o",
        "console_output_style=classic",
    ]


class RewrittenTests:
    """pytest rewrites a test module's asserts each time it imports it (parse, transform, compile:
    ~16 ms for a dozen asserts on a slow VM), so in every run, since every run's workspace is new;
    yet the test files rarely change. The parent rewrites them once, keyed by path and exact bytes,
    and every forked child takes the code object from this cache (keyed by a digest, so the cache
    holds no copy of the sources). Only the parent fills it (a
    child's changes die with the child), and a file changed on disk misses the cache and is
    rewritten as usual: results are the same as without it."""

    MAX_ENTRIES = 256
    MAX_BYTES = 1 << 20

    def __init__(self) -> None:
        self.codes: OrderedDict[tuple[str, bytes], CodeType] = OrderedDict()  # (path, sha256) -> code

    def prepare(self, paths: list[str]) -> None:
        """In the parent, before the fork: the run's test files, as they are on disk now."""
        for path in paths:
            try:
                with open(path, "rb") as f:
                    source = f.read(self.MAX_BYTES + 1)
                if len(source) > self.MAX_BYTES or b"PYTEST_DONT_REWRITE" in source:
                    continue
                key = (path, hashlib.sha256(source).digest())
                if key in self.codes:
                    self.codes.move_to_end(key)
                    continue
                tree = ast.parse(source, filename=path)
                # config=None: the assertion-pass hook stays off, as it is with our arguments.
                _pytest.assertion.rewrite.rewrite_asserts(tree, source, path, None)
                self.codes[key] = compile(tree, path, "exec", dont_inherit=True)
            except Exception:  # noqa: BLE001 - pytest meets the same error in the child and reports it
                continue
            while len(self.codes) > self.MAX_ENTRIES:
                self.codes.popitem(last=False)

    def install(self) -> None:
        """Route pytest's rewriting through the cache (inherited by every child)."""
        rewrite_uncached = _pytest.assertion.rewrite._rewrite_test

        def rewrite_test(fn, config):
            __tracebackhide__ = True  # a test module's syntax error is reported without this frame
            strfn = str(fn)
            with open(strfn, "rb") as f:
                source = f.read()
            code = self.codes.get((strfn, hashlib.sha256(source).digest()))
            if code is None:
                return rewrite_uncached(fn, config)
            return os.stat(strfn), code

        _pytest.assertion.rewrite._rewrite_test = rewrite_test


REWRITTEN_TESTS = RewrittenTests()

MAX_PRELOAD = 64
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,3}")
PRELOAD_TRIED: set[str] = set()


def preload(names, workdir: str) -> None:
    """Import the task's third-party modules here, in the pristine parent, once: every forked run
    then finds them in sys.modules, and only the project's own modules are imported per run.

    The server names them from the task's pristine files (never from edits), and only modules
    found outside the workspace load: installed packages of the image, never the episode's code.
    A module's state a run changes dies with that run's child (copy-on-write), so each run still
    starts from the freshly imported state. A module that fails to import is not retried."""
    if not isinstance(names, list):
        return
    import importlib
    import importlib.util

    fresh = [n for n in names[:MAX_PRELOAD] if isinstance(n, str) and _MODULE_NAME.fullmatch(n) and n not in PRELOAD_TRIED and n not in sys.modules]
    if not fresh:
        return
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        for name in fresh:
            PRELOAD_TRIED.add(name)
            try:
                spec = importlib.util.find_spec(name.split(".")[0])
                origin = os.path.realpath(spec.origin or "") if spec is not None and spec.origin else ""
                if not origin or origin.startswith(workdir + os.sep) or not origin.endswith((".py", ".so", ".pyd")):
                    continue  # not installed (or the episode's own): the run imports it, as it would anyway
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001 - a package that cannot load here only costs speed
                continue
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)
    gc.collect()
    gc.freeze()


WARM_UP_TESTS = "def test_passes():\n    assert 1\n\n\ndef test_fails():\n    assert [1, 2] == [1, 3]\n"


def warm_up(workdir: str) -> None:
    """One throwaway pytest run in this process before serving, so every forked child inherits
    pytest's lazy imports, argument parser and inspect caches warm (~15 ms off each run)."""
    root = os.path.join(workdir, "warm-up")
    os.makedirs(os.path.join(root, "tests"), exist_ok=True)
    with open(os.path.join(root, "tests", "test_warm_up.py"), "w") as f:
        f.write(WARM_UP_TESTS)
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        # An absolute target: a relative one resolves against the cwd (the container's /workspace),
        # not `root`, and then collects nothing (or whatever `tests/` the cwd holds).
        pytest.main(pytest_args([os.path.join(root, "tests")], root), plugins=[Reporter(lambda event: None, root, 5.0)])
    except BaseException:  # noqa: BLE001 - a failed warm-up only costs speed
        pass
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)
        shutil.rmtree(root, ignore_errors=True)
        for name, module in list(sys.modules.items()):
            # Also the empty parent modules importlib mode makes (a plain `tests` module without a
            # path): inherited by every child, it would shadow a task's own `tests` package.
            if (getattr(module, "__file__", None) or "").startswith(root) or name in ("tests", "tests.test_warm_up"):
                del sys.modules[name]
    gc.collect()
    gc.freeze()  # children share these pages copy-on-write and never rescan them


def _own_frame(frame: traceback.FrameSummary, workspace: str) -> bool:
    if frame.filename == "<snippet>":
        return True
    path = os.path.realpath(frame.filename)
    if not path.startswith(workspace + os.sep):
        return False
    frame.filename = os.path.relpath(path, workspace)
    return True


def own_traceback(exc: BaseException, workspace: str) -> str:
    """The exception formatted as Python does, with only the snippet's and the workspace files'
    frames (paths relative), through its chain of causes and contexts."""
    formatted = traceback.TracebackException.from_exception(exc)
    pending, seen = [formatted], set()
    while pending:
        part = pending.pop()
        if part is None or id(part) in seen:
            continue
        seen.add(id(part))
        part.stack = traceback.StackSummary.from_list([f for f in part.stack if _own_frame(f, workspace)])
        pending += [part.__cause__, part.__context__, *(getattr(part, "exceptions", None) or [])]
    return "".join(formatted.format())


def _run_snippet(code: str, workspace: str, send, timeout_s: float) -> int:
    sys.argv = ["<snippet>"]
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    linecache.cache["<snippet>"] = (len(code), None, code.splitlines(True), "<snippet>")  # its lines in tracebacks

    def on_alarm(signum, frame):
        raise SnippetTimeout(f"the snippet exceeded its {timeout_s:g} s time limit")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, snippet_alarm_s(timeout_s))
    try:
        exec(compile(code, "<snippet>", "exec"), namespace)  # noqa: S102 - running the agent's code is the job
    except SystemExit as exc:
        signal.setitimer(signal.ITIMER_REAL, 0)
        code_ = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        send({"event": "exit", "code": code_})
        return code_
    except BaseException as exc:  # noqa: BLE001 - report whatever the snippet raised
        signal.setitimer(signal.ITIMER_REAL, 0)
        send(
            {
                "event": "exception",
                "type": clip(type(exc).__name__, 200),
                "message": cap(str(exc), 1000),
                "traceback": cap(own_traceback(exc, workspace)),
                "frames": _exception_frames(exc, workspace),
                "timed_out": isinstance(exc, SnippetTimeout),
            }
        )
        return 1
    signal.setitimer(signal.ITIMER_REAL, 0)
    return 0


# ---------------------------------------------------------------------------
# In the parent: one run, supervised.


def _safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and ".." not in parts and "\x00" not in path and "\\" not in path


def prepare_workspace(root: str, files: dict[str, str]) -> str:
    workspace = os.path.join(root, "run")
    shutil.rmtree(workspace, ignore_errors=True)
    os.makedirs(workspace, mode=0o755)
    for path, text in files.items():
        if not _safe_relative(path):
            raise ValueError(f"refusing file path {path!r}")
        full = os.path.join(workspace, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
    return os.path.realpath(workspace)


def read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            return f.read()
    except OSError:
        return None


def _writable_again(function, path, _exc_info) -> None:
    """rmtree's error handler: a run may have left a directory without write or search permission
    (chmod 000); we own it, so give the permission back and retry once."""
    try:
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
            shutil.rmtree(path, ignore_errors=True)
        else:
            function(path)
    except OSError:
        pass  # what stays is reported by audit(), and such a container is not reused


def wipe(paths: list[str]) -> None:
    """Empty scratch directories (the workspace root, /tmp in a container) between runs."""
    for root in paths:
        try:
            entries = os.listdir(root)
        except OSError:
            continue
        for name in entries:
            full = os.path.join(root, name)
            if os.path.isdir(full) and not os.path.islink(full):
                try:
                    os.chmod(full, 0o700)
                except OSError:
                    pass
                shutil.rmtree(full, onerror=_writable_again)
            else:
                try:
                    os.unlink(full)
                except OSError:
                    pass


def _ancestors(pid: int, parents: dict[int, int]) -> set[int]:
    found = set()
    while pid in parents and pid not in found:
        found.add(pid)
        pid = parents[pid]
    return found


def audit(paths: list[str], private_ipc: bool) -> list[str]:
    """What is left of earlier runs: entries in the wiped directories, processes other than this
    runner and its ancestors, System V IPC objects. Empty is as clean as a new sandbox."""
    leftovers: list[str] = []
    for root in paths:
        try:
            leftovers += [os.path.join(root, name) for name in sorted(os.listdir(root))]
        except FileNotFoundError:
            continue
        except OSError as exc:
            leftovers.append(f"{root} (unreadable: {exc.strerror})")
    parents = _parent_map()
    keep = _ancestors(os.getpid(), parents)
    leftovers += [f"process {pid}" for pid in sorted(parents) if pid not in keep]
    if private_ipc:
        for kind in ("shm", "msg", "sem"):
            try:
                with open(f"/proc/sysvipc/{kind}") as f:
                    rows = f.read().splitlines()[1:]
            except OSError:
                continue
            leftovers += [f"System V {kind} object" for row in rows if row.strip()]
    return leftovers


HARNESS_CHECK_SOURCE = '''"""Planted by the debugbox runner, not part of the task: both tests must fail.

If a run reports them any other way, something rewired pytest, and none of its results count.
PYTEST_DONT_REWRITE (no asserts here: pytest need not compile it twice)
"""

# Bound before the code under test is imported and could rebind it. pytrace=False: the failure
# report is the message alone, with no traceback for pytest to format (a few ms a run).
from _pytest.outcomes import Failed as _Failed


def {first}():
    raise _Failed({secret!r}, pytrace=False)


def {last}():
    raise _Failed({secret!r}, pytrace=False)
'''


class HarnessCheck:
    """A test file the parent plants next to the first target, with random names and a secret."""

    def __init__(self, workspace: str, targets: list[str]):
        tag = secrets.token_hex(6)
        directory = os.path.dirname(targets[0].split("::")[0]) if targets else ""
        path = f"{directory}/test_harness_check_{tag}.py" if directory else f"test_harness_check_{tag}.py"
        self.path = path if _safe_relative(path) else f"test_harness_check_{tag}.py"
        self.first = f"test_harness_first_{tag}"
        self.last = f"test_harness_last_{tag}"
        self.secret = f"harness check {secrets.token_hex(16)}"
        self.full_path = os.path.join(workspace, self.path)

    def plant(self) -> dict:
        """(Re)write the file before each attempt; the child gets its names and secret."""
        os.makedirs(os.path.dirname(self.full_path), exist_ok=True)
        with open(self.full_path, "w", encoding="utf-8") as f:
            f.write(HARNESS_CHECK_SOURCE.format(first=self.first, last=self.last, secret=self.secret))
        return {"path": self.path, "first": self.first, "last": self.last, "secret": self.secret}

    def owns(self, nodeid: str) -> bool:
        return nodeid.partition("::")[0] == self.path


class Run:
    def __init__(self, request: dict, workspace: str, emit):
        self.request = request
        self.workspace = workspace
        self.emit = emit
        self.kind = request.get("kind", "pytest")
        self.started = time.monotonic()
        self.deadline = self.started + float(request.get("timeout_s") or 30)
        self.test_timeout = float(request.get("test_timeout_s") or 10)
        limit = int(request.get("max_output_bytes") or 20000)
        self.stdout = HeadTail(limit)
        self.stderr = HeadTail(limit)
        self.collected: list[str] | None = None
        self.results: dict[str, dict] = {}
        self.collect_errors: list[dict] = []
        self.exception: dict | None = None
        self.trace: dict | None = None
        self.exit_code: int | None = None
        self.signal: int | None = None
        self.timed_out = False
        self.statuses: dict[int, int] = {}
        # Events from the child count only with this token (it never leaves the runner).
        self.token = secrets.token_hex(16)
        targets = list(request.get("targets") or [])
        self.check = HarnessCheck(workspace, targets) if self.kind == "pytest" and targets else None
        self.checks_passed: set[str] = set()  # roles of this attempt's checks that failed as planted
        self.tampered: str | None = None
        self.files = dict(request.get("files") or {})
        self.test_files = sorted({t.split("::")[0] for t in targets} & set(self.files))
        # A scoring run's tests are the hidden ones: never kept in this process (see SCORED).
        if self.kind == "pytest" and not request.get("scoring"):
            conftests = [p for p in self.files if os.path.basename(p) == "conftest.py"]
            REWRITTEN_TESTS.prepare([os.path.join(workspace, p) for p in [*conftests, *self.test_files]])

    def execute(self) -> dict:
        targets = list(self.request.get("targets") or [])
        for _ in range(MAX_RESTARTS):
            in_progress = self._attempt(targets)
            if in_progress is None or self.timed_out or self.collected is None:
                break
            remaining = [n for n in self.collected if n not in self.results]
            if not remaining:
                break
            targets = remaining
        return self._result()

    def _attempt(self, targets: list[str]) -> str | None:
        """Fork one child and supervise it. Returns the node id of a test that it did not finish."""
        self.exit_code = self.signal = None  # the result reports the last attempt's end
        self.checks_passed = set()
        check = self.check.plant() if self.check else None
        event_r, event_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            code = 70
            try:
                os.setsid()
                signal.signal(signal.SIGINT, signal.default_int_handler)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                keep = event_w
                os.closerange(3, keep)
                os.closerange(keep + 1, 1 << 16)
                sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
                sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
                code = child_main(self.request, self.workspace, targets, keep, self.token, check)
            except BaseException:  # noqa: BLE001 - the child must never return into the runner loop
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                except BaseException:  # noqa: BLE001
                    pass
                os._exit(code if isinstance(code, int) else 70)
        for fd in (event_w, out_w, err_w):
            os.close(fd)
        try:
            unfinished = self._supervise(pid, event_r, out_r, err_r)
        finally:
            kill_everything_started(self.statuses)
            for fd in (event_r, out_r, err_r):
                os.close(fd)
        if self.check is not None:
            self._verify_attempt(unfinished)
        return unfinished

    def _verify_attempt(self, unfinished: str | None) -> None:
        """Once every process of the attempt is dead: are the test files still the ones the run was
        given (a rewrite would reach a module collected later, or a restart), and did the closing
        check run after the tests had all finished?"""
        changed = [p for p in self.test_files if read_text(os.path.join(self.workspace, p)) != self.files[p]]
        if changed:
            self._tamper(f"{changed[0]} was rewritten during the run")
        if unfinished is None and not self.timed_out:
            finished_all = self.collected is not None and all(n in self.results for n in self.collected)
            if finished_all and "last" not in self.checks_passed:
                self._tamper("the runner's closing check did not run after the tests")

    def _supervise(self, pid: int, event_r: int, out_r: int, err_r: int) -> str | None:
        events = LineReader(MAX_EVENT_BYTES)
        current: tuple[str, float] | None = None
        open_fds = {event_r, out_r, err_r}
        child_done = False
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                self.timed_out = True
                return current[0] if current else None
            if current and now >= current[1] + self.test_timeout + HARD_KILL_GRACE_S:
                self._record_lost(current[0], "timeout", f"test exceeded its {self.test_timeout:g} s time limit and was killed")
                return current[0]
            wait = min(self.deadline - now, 0.05 if child_done else 0.5)
            readable = select.select(list(open_fds), [], [], max(0.0, wait))[0] if open_fds else []
            for fd in readable:
                chunk = os.read(fd, 65536)
                if not chunk:
                    open_fds.discard(fd)
                elif fd == out_r:
                    self.stdout.feed(chunk)
                elif fd == err_r:
                    self.stderr.feed(chunk)
                else:
                    for line in events.feed(chunk):
                        current = self._on_event(line, current)
            if not child_done:
                reap(self.statuses)
                if pid in self.statuses:
                    child_done = True
                    status = self.statuses[pid]
                    if os.WIFSIGNALED(status):
                        self.signal = os.WTERMSIG(status)
                    else:
                        self.exit_code = os.WEXITSTATUS(status)
            # The child is gone and its pipes are drained (or held open by an orphan it left behind).
            if child_done and (not open_fds or not readable):
                if current:
                    how = f"killed by signal {self.signal}" if self.signal else f"exited with code {self.exit_code}"
                    self._record_lost(current[0], "error", f"the test process {how} during this test")
                    return current[0]
                return None

    def _on_event(self, line: bytes, current):
        try:
            event = json.loads(line)
            kind = event["event"]
            if event.get("token") != self.token:
                raise ValueError("no token")
        except (ValueError, KeyError, TypeError, AttributeError):
            return current  # not ours (forged or garbage): ignore
        if kind in ("start", "test") and self.check is not None:
            if self.check.owns(str(event.get("nodeid"))):
                return current  # the check reports only through "check" events
            if "first" not in self.checks_passed:
                self._tamper("a test ran before the runner's opening check had failed as planted")
        if kind == "check":
            if event.get("as_planted") is True and event.get("role") in ("first", "last"):
                self.checks_passed.add(event["role"])
            else:
                self._tamper(f"the runner's {event.get('role')} check did not fail as planted")
        elif kind == "guard":
            self._tamper(clip(event.get("why"), 500))
        elif kind == "collected":
            if self.collected is None:
                nodeids = event.get("nodeids") if isinstance(event.get("nodeids"), list) else []
                nodeids = [clip(n) for n in nodeids[: MAX_TESTS_REPORTED + 2]]
                self.collected = [n for n in nodeids if not (self.check and self.check.owns(n))][:MAX_TESTS_REPORTED]
                self.emit({"event": "collected", "nodeids": self.collected})
        elif kind == "start":
            return (clip(event.get("nodeid")), time.monotonic())
        elif kind == "test":
            nodeid = clip(event.get("nodeid"))
            if nodeid not in self.results and len(self.results) >= MAX_TESTS_REPORTED:
                return None
            duration = event.get("duration")
            self.results[nodeid] = {
                "nodeid": nodeid,
                "outcome": event.get("outcome") if event.get("outcome") in OUTCOMES else "error",
                "duration": duration if isinstance(duration, (int, float)) else None,
                "message": clip_text(event.get("message"), 500),
                "longrepr": clip_text(event.get("longrepr")),
                "frames": clip_frames(event.get("frames")),
                "params": clip_params(event.get("params")),
                "captured": clip_text(event.get("captured"), MAX_SECTIONS * (MAX_CAPTURED_CHARS + 200)),
            }
            self.emit({"event": "test", **self.results[nodeid]})
            return None
        elif kind == "collect_error" and len(self.collect_errors) < 100:
            self.collect_errors.append({"nodeid": clip(event.get("nodeid", "")), "longrepr": clip_text(event.get("longrepr")) or "", "frames": clip_frames(event.get("frames"))})
        elif kind == "exception" and self.exception is None:
            if event.get("timed_out") is True and self.kind == "python":
                self.timed_out = True  # stopped by its alarm, just before the hard deadline
            self.exception = {
                "type": clip(event.get("type", ""), 200),
                "message": clip_text(event.get("message"), 1000) or "",
                "traceback": clip_text(event.get("traceback")) or "",
                "frames": clip_frames(event.get("frames")),
            }
        elif kind == "trace" and self.trace is None:
            self.trace = clip_trace(event.get("trace"))
        elif kind == "exit":
            code = event.get("code")
            self.exit_code = code if isinstance(code, int) and not isinstance(code, bool) else 1
        return current

    def _tamper(self, why: str) -> None:
        if self.tampered is None:
            self.tampered = f"the test harness was tampered with during this run ({why}), so none of its results count"

    def _record_lost(self, nodeid: str, outcome: str, message: str) -> None:
        self.results[nodeid] = {"nodeid": nodeid, "outcome": outcome, "duration": None, "message": message, "longrepr": message, "frames": [], "params": None, "captured": None}
        self.emit({"event": "test", **self.results[nodeid]})

    def _result(self) -> dict:
        order = self.collected or list(self.results)
        tests = [self.results[n] for n in order if n in self.results]
        if self.tampered:
            why = self.tampered
            tests = [{**t, "outcome": "error", "message": why, "longrepr": why, "frames": [], "captured": None} for t in tests]
            # A module the guard stopped at import fails to collect: its error says why first.
            collect_errors = [{**c, "longrepr": clip_text(why + "\n\n" + c["longrepr"])} for c in self.collect_errors]
        else:
            collect_errors = self.collect_errors
        not_run = [n for n in order if n not in self.results]
        stdout, stdout_dropped = self.stdout.text()
        stderr, stderr_dropped = self.stderr.text()
        if self.timed_out:
            status = "timeout"
        elif self.signal is not None:
            status = "crashed"
        else:
            status = "ok"
        return within_event_limit({
            "event": "done",
            "kind": self.kind,
            "status": status,
            "timed_out": self.timed_out,
            "tampered": self.tampered is not None,
            "collected": self.collected,
            "tests": tests,
            "not_run": not_run,
            "collect_errors": collect_errors,
            "exception": self.exception,
            "trace": self.trace,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "stdout": stdout,
            "stdout_dropped_bytes": stdout_dropped,
            "stderr": stderr,
            "stderr_dropped_bytes": stderr_dropped,
            "duration_s": round(time.monotonic() - self.started, 4),
        })


def within_event_limit(result: dict, limit: int = MAX_EVENT_BYTES) -> dict:
    """The done event under `limit` bytes whatever the run produced: first the tests' long reports
    go, then their messages and frames, then the tests beyond the first thousands. What was cut is
    said in `output_cut`; the scores read the outcomes, which stay as long as any test does."""
    def size() -> int:
        return len(json.dumps(result))

    if size() <= limit:
        return result
    cuts = []
    for field, what in (("captured", "captured output"), ("longrepr", "failure reports"), ("message", "failure messages"), ("params", "parameters"), ("frames", "tracebacks")):
        for test in result["tests"]:
            test[field] = [] if field == "frames" else None
        for error in result["collect_errors"]:
            if field in error:
                error[field] = [] if field == "frames" else ""
        cuts.append(what)
        if size() <= limit:
            break
    while size() > limit and (result["tests"] or result["not_run"] or result["collected"]):
        for key in ("tests", "not_run", "collected"):
            items = result[key] or []
            if items:
                result[key] = items[: len(items) // 2]
        cuts.append("tests beyond the first reported")
    if size() > limit:
        result["stdout"] = result["stderr"] = ""
        result["collect_errors"] = []
        result["exception"] = None
        cuts.append("output")
    result["output_cut"] = f"the run's result was larger than {limit} bytes; cut: " + ", ".join(dict.fromkeys(cuts))
    return result


# ---------------------------------------------------------------------------
# The debugger: a pdb session the runner keeps paused between requests, and traces.
#
# debug_start forks a child (like a run: fresh workspace, own session, the run's rlimits) that runs
# a test or a snippet under a pdb.Pdb subclass. The child never sees the protocol's stream: it
# reads one command at a time from a pipe and answers with token-checked JSON lines on another,
# while its own stdout and stderr go to pipes the parent bounds (HeadTail). The parent answers
# every request with one bounded done event, whatever the debuggee does: a command that does not
# come back within its timeout is interrupted (SIGINT: pdb stops at the next line), and past a
# grace the whole session's process tree is killed. Any other request (a run, a recycle) ends the
# session first, so hidden tests never meet a live debuggee.

MAX_DEBUG_TEXT = 4000  # pdb's own answer to one command
MAX_REPR = 200  # one value's repr
MAX_LOCALS_CHARS = 4000  # all the values of one stop
MAX_LOCALS = 40
MAX_COMMAND_CHARS = 2000
MAX_BREAKPOINTS = 100
SOURCE_CONTEXT = 5  # lines shown above and below the current one
DEBUG_GRACE_S = 2.0  # after the interrupt, before the session is killed
DEBUG_REFUSED = {
    "interact": "`interact` opens a console that waits for terminal input; use `p EXPR`, `pp EXPR` or `!STATEMENT` instead",
    "debug": "`debug` starts a nested debugger that waits for terminal input; use `s` to step into a call instead",
    "commands": "`commands` reads a body from the terminal; set the breakpoint with `b` and use `p` at each stop instead",
    "q": "ends the session: call debug_stop", "quit": "ends the session: call debug_stop", "exit": "ends the session: call debug_stop",
    "run": "restarts the program: call debug_start again", "restart": "restarts the program: call debug_start again",
    "EOF": "ends the session: call debug_stop", "source": "`source` is not available here: view_code shows the code",
}
_DEBUG_REPR = reprlib.Repr()
_DEBUG_REPR.maxstring = _DEBUG_REPR.maxother = MAX_REPR
_DEBUG_REPR.maxlist = _DEBUG_REPR.maxtuple = _DEBUG_REPR.maxset = _DEBUG_REPR.maxdict = 20
_DEBUG_REPR.maxlevel = 4


def refused_command(command: str) -> str | None:
    """Why a pdb command cannot run here (it would wait for terminal input, or end or restart the
    session behind the server's back); None when it may. Every part of a `;;` chain is checked."""
    for part in command.split(";;"):
        word = part.strip().split(None, 1)[0] if part.strip() else ""
        if word in DEBUG_REFUSED:
            return f"refused `{clip(part.strip(), 100)}`: {DEBUG_REFUSED[word]}"
    return None


class ReprTimeout(BaseException):
    """A debuggee's __repr__ that runs too long, stopped so the stop can still be reported."""


class BoundedText:
    """pdb's stdout: keeps the first `limit` characters of what one command printed."""

    def __init__(self, limit: int = MAX_DEBUG_TEXT):
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def write(self, text) -> int:
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass

    def take(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} characters cut]"
        self.parts, self.size, self.dropped = [], 0, 0
        return text


def safe_repr(value, limit: int = MAX_REPR) -> str:
    try:
        return clip(_DEBUG_REPR.repr(value), limit)
    except ReprTimeout:
        raise
    except BaseException as exc:  # noqa: BLE001 - a debuggee's broken __repr__
        return f"<{clip(type(value).__name__, 100)} object: repr failed ({clip(type(exc).__name__, 100)})>"


def local_reprs(names: dict, limit_each: int = MAX_REPR, limit_total: int = MAX_LOCALS_CHARS) -> tuple[dict[str, str], int]:
    """name -> bounded repr, dunder names left out; and how many names did not fit."""
    shown, total, cut = {}, 0, 0
    for name in list(names)[: 10 * MAX_LOCALS]:
        if not isinstance(name, str) or (name.startswith("__") and name.endswith("__")) or name.startswith("@py"):
            continue
        if len(shown) >= MAX_LOCALS or total >= limit_total:
            cut += 1
            continue
        text = safe_repr(names[name], min(limit_each, max(20, limit_total - total)))
        shown[clip(name, 100)] = text
        total += len(text) + len(name)
    return shown, cut


def _debugger_class():
    import bdb
    import io
    import pdb

    runner_file = os.path.realpath(__file__)
    hidden_dirs = tuple(os.path.dirname(os.path.realpath(m.__file__)) + os.sep for m in (_pytest, pytest) if getattr(m, "__file__", None))
    try:
        import pluggy

        hidden_dirs += (os.path.dirname(os.path.realpath(pluggy.__file__)) + os.sep,)
    except ImportError:
        pass

    class SandboxPdb(pdb.Pdb):
        """pdb driven over a pipe: one command in, one structured stop (or end) out."""

        def __init__(self, send, workspace: str, command_fd: int):
            super().__init__(stdin=io.StringIO(), stdout=BoundedText(), nosigint=True, readrc=False)
            self.use_rawinput = False
            self.prompt = ""
            self.send_event = send
            self.workspace = workspace
            self.command_fd = command_fd
            self.pending = b""
            self.reason = "step"
            self.start_point: tuple[str, int] | None = None
            self.previous: tuple | None = None  # (frame, its locals' reprs) at the last stop
            self.reporting = False
            self.interrupted = False
            self.warnings: list[str] = []
            self.hidden_paths: dict[str, bool] = {}  # co_filename -> runner or pytest internals

        # -- where the user's code is --------------------------------------------------
        def hidden(self, frame) -> bool:
            path = frame.f_code.co_filename
            known = self.hidden_paths.get(path)
            if known is None:
                known = False if path.startswith("<") else path == runner_file or os.path.realpath(path).startswith(hidden_dirs)
                self.hidden_paths[path] = known
            return known

        def stop_here(self, frame):
            return False if self.hidden(frame) else super().stop_here(frame)

        def get_stack(self, f, t):
            stack, index = super().get_stack(f, t)
            first = next((k for k, (frame, _) in enumerate(stack) if not self.hidden(frame)), None)
            if first is None or first > index:
                return stack, index
            return stack[first:], index - first

        def shown_path(self, path: str) -> str:
            if path.startswith("<"):
                return clip(path, 200)
            real = os.path.realpath(path)
            return clip(os.path.relpath(real, self.workspace) if real.startswith(self.workspace + os.sep) else real)

        # -- why it stopped ----------------------------------------------------------
        def break_here(self, frame):
            hit = super().break_here(frame)
            if hit:
                at = (frame.f_code.co_filename, frame.f_code.co_firstlineno)
                self.reason = "start" if at == self.start_point else "breakpoint"
                if self.reason == "start":
                    self.stdout.take()  # pdb's "Deleted breakpoint" of our own temporary one
            return hit

        def user_exception(self, frame, exc_info):
            self.reason = "exception"
            super().user_exception(frame, exc_info)

        def user_return(self, frame, value):
            self.reason = "return"
            super().user_return(frame, value)

        def user_call(self, frame, argument_list):
            if self.stop_here(frame):
                self.reason = "call"
            super().user_call(frame, argument_list)

        def do_interact(self, arg):
            self.error(DEBUG_REFUSED["interact"])

        def do_debug(self, arg):
            self.error(DEBUG_REFUSED["debug"])

        def do_commands(self, arg):
            self.error(DEBUG_REFUSED["commands"])

        def do_quit(self, arg):
            self.error(DEBUG_REFUSED["q"])

        do_q = do_exit = do_quit

        def do_clear(self, arg):
            if arg:
                return super().do_clear(arg)
            # pdb would ask "Clear all breaks?" on a terminal this session has not: clear them.
            for bp in [bp for bp in bdb.Breakpoint.bpbynumber if bp]:
                self.message(f"Deleted {bp}")
            self.clear_all_breaks()

        do_cl = do_clear

        def do_run(self, arg):
            self.error(DEBUG_REFUSED["run"])

        do_restart = do_run

        def do_EOF(self, arg):
            self.error(DEBUG_REFUSED["EOF"])

        # -- the command loop over the pipe ------------------------------------------------
        def interaction(self, frame, traceback_):
            if self.setup(frame, traceback_):
                self.forget()
                return
            try:
                self.preloop()
                self.report()
                while True:
                    command = self.next_command()
                    refusal = refused_command(command)
                    if refusal:
                        self.report(refused=refusal)
                        continue
                    try:
                        stop = self.onecmd(self.precmd(command))
                        while not stop and self.cmdqueue:
                            stop = self.onecmd(self.precmd(self.cmdqueue.pop(0)))
                    except Exception as exc:  # noqa: BLE001 - pdb reports most errors itself; the rest too
                        self.error(f"{type(exc).__name__}: {exc}")
                        stop = False
                    if stop:
                        self.reason = "step"
                        return  # the program runs on; the next stop or the end answers the command
                    self.preloop()
                    self.report()
            finally:
                self.forget()

        def next_command(self) -> str:
            while b"\n" not in self.pending:
                chunk = os.read(self.command_fd, 65536)
                if not chunk:
                    os._exit(0)  # the runner ended the session
                self.pending += chunk
            line, self.pending = self.pending.split(b"\n", 1)
            try:
                command = json.loads(line)
            except ValueError:
                command = ""
            return command if isinstance(command, str) else ""

        def breakpoint_list(self) -> list[dict]:
            found = []
            for bp in bdb.Breakpoint.bpbynumber:
                if bp is None or bp.temporary or len(found) >= MAX_BREAKPOINTS:
                    continue
                found.append({"path": self.shown_path(bp.file), "line": bp.line, "condition": clip(bp.cond, 500) if bp.cond else None})
            return found

        def report(self, refused: str | None = None) -> None:
            frame, line = self.stack[self.curindex] if self.stack else (self.curframe, self.curframe.f_lineno)
            previous = signal.signal(signal.SIGALRM, self._repr_alarm)
            signal.setitimer(signal.ITIMER_REAL, 2.0)  # every repr of this stop together
            self.reporting = True
            try:
                names = self.curframe_locals if frame is self.curframe else frame.f_locals
                shown, cut = local_reprs(names)
            except ReprTimeout:
                shown, cut = {}, 0
                self.warnings.append("the locals' reprs took longer than 2 s: not shown")
            finally:
                self.reporting = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            changed = None
            if self.previous is not None and self.previous[0] is frame:
                old = self.previous[1]
                changed = {k: v for k, v in shown.items() if old.get(k) != v}
            prefix = self.workspace + os.sep
            shown = {k: v.replace(prefix, "") for k, v in shown.items()}
            if changed is not None:
                changed = {k: v.replace(prefix, "") for k, v in changed.items()}
            self.previous = (frame, shown)
            source = []
            lines = linecache.getlines(frame.f_code.co_filename, frame.f_globals)
            for n in range(max(1, line - SOURCE_CONTEXT), min(len(lines), line + SOURCE_CONTEXT) + 1):
                source.append(f"{'->' if n == line else '  '}{n}|{clip(lines[n - 1].rstrip(), 300)}")
            event = {
                "event": "stop",
                "reason": self.reason if not self.interrupted else "interrupted",
                "location": {"path": self.shown_path(frame.f_code.co_filename), "line": line, "function": clip(frame.f_code.co_name, 200)},
                "source": "\n".join(source),
                "locals": shown,
                "locals_cut": cut,
                "changed": changed,
                "depth": self.curindex + 1,
                "output": self.stdout.take().replace(prefix, ""),
                "breakpoints": self.breakpoint_list(),
                "refused": refused,
                "warnings": self.warnings[:10],
            }
            self.warnings = []
            self.interrupted = False
            self.send_event(event)

        def _repr_alarm(self, signum, frame):
            raise ReprTimeout()

        def on_interrupt(self, signum, frame):
            if self.reporting:
                raise ReprTimeout()
            self.interrupted = True
            self.set_trace(frame)

        # -- starting ---------------------------------------------------------------
        def set_user_breakpoints(self, breakpoints) -> None:
            for bp in list(breakpoints or [])[:MAX_BREAKPOINTS]:
                if not isinstance(bp, dict) or not isinstance(bp.get("path"), str) or not _safe_relative(bp["path"]):
                    self.warnings.append(f"breakpoint {clip(repr(bp), 200)} ignored: not a workspace path")
                    continue
                line = bp.get("line")
                cond = bp.get("condition")
                full = os.path.join(self.workspace, bp["path"])
                problem = self.set_break(self.canonic(full), line if isinstance(line, int) else 0, cond=cond if isinstance(cond, str) and cond.strip() else None)
                if problem:
                    self.warnings.append(f"breakpoint {clip(bp['path'], 200)}:{line} not set: {clip(problem, 300)}")

        def has_user_breakpoints(self) -> bool:
            return any(bp is not None and not bp.temporary for bp in bdb.Breakpoint.bpbynumber)

        def stop_at_start_of(self, code: CodeType) -> None:
            self.start_point = (code.co_filename, code.co_firstlineno)
            self.set_break(self.canonic(code.co_filename), code.co_firstlineno, temporary=True, funcname=code.co_name)

        def begin(self) -> None:
            """Trace from here on, stopping only at breakpoints (bdb's `continue` with a stop frame
            that is never reached: its own caller)."""
            self.reset()
            self._set_stopinfo(sys._getframe(1), None, -1)
            sys.settrace(self.trace_dispatch)

        def post_mortem_at(self, tb, exception: str = "") -> None:
            sys.settrace(None)
            self.reason = "post-mortem"
            self.reset()
            if exception:
                self.message(f"Uncaught exception: {cap(exception, 1000)}")
            self.interaction(None, tb)

    return SandboxPdb


class DebugPlugin:
    """The test target's pytest hooks: trace around the test call, post-mortem on its failure."""

    def __init__(self, dbg, stop_at_start: bool):
        self.dbg = dbg
        self.stop_at_start = stop_at_start
        self.outcomes: dict[str, str] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        code = getattr(getattr(item, "obj", None), "__code__", None)
        if self.stop_at_start and code is not None:
            self.dbg.stop_at_start_of(code)
        self.dbg.begin()
        try:
            yield
        finally:
            sys.settrace(None)

    def pytest_exception_interact(self, node, call, report):
        if call.excinfo is not None and call.excinfo.tb is not None:
            try:
                shown = call.excinfo.exconly()
            except Exception:  # noqa: BLE001 - a broken exception's __str__
                shown = call.excinfo.typename
            self.dbg.post_mortem_at(call.excinfo.tb, shown.replace(self.dbg.workspace + os.sep, ""))

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.failed:
            self.outcomes[report.nodeid] = report.outcome if report.when == "call" else "error"


def debug_child_main(request: dict, workspace: str, event_fd: int, command_fd: int, token: str) -> int:
    events = os.fdopen(event_fd, "w", buffering=1)

    def send(event: dict) -> None:
        events.write(json.dumps({**event, "token": token}) + "\n")
        events.flush()

    root = project_root(request, workspace)
    os.chdir(root)
    sys.path[:0] = [root] if root == workspace else [root, workspace]
    os.environ.update(HOME=workspace, TMPDIR=workspace, PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    sys.dont_write_bytecode = True
    limits = dict(request.get("limits") or {})
    limits["cpu_s"] = limits.get("cpu_s") or int(float(request.get("timeout_s") or 300)) + 2
    _apply_limits(limits)
    dbg = _debugger_class()(send, workspace, command_fd)
    signal.signal(signal.SIGINT, dbg.on_interrupt)
    dbg.set_user_breakpoints(request.get("breakpoints"))
    stop_at_start = not dbg.has_user_breakpoints()
    target = request.get("target") or {}
    if target.get("kind") == "test":
        plugin = DebugPlugin(dbg, stop_at_start)
        # -s: the program's prints reach the answer as they happen; no terminal report (the outcome is in the end's answer).
        test = str(target.get("test", ""))
        if root != workspace:  # pytest names the test from the project's root
            test = test.removeprefix(os.path.relpath(root, workspace) + "/")
        args = [*pytest_args([test], root, None, request), "-s", "-p", "no:faulthandler", "--no-header", "--tb=no", "-qqqq", "--no-summary"]
        code = int(pytest.main(args, plugins=[plugin]))
        outcomes = list(plugin.outcomes.values())
        summary = ", ".join(f"{outcomes.count(o)} {o}" for o in ("passed", "failed", "error", "skipped") if outcomes.count(o)) or "no test ran"
        send({"event": "ended", "why": f"the target finished: {summary}", "output": dbg.stdout.take(), "warnings": dbg.warnings[:10]})
        return code
    source = str(target.get("code") or "")
    linecache.cache["<snippet>"] = (len(source), None, source.splitlines(True), "<snippet>")
    sys.argv = ["<snippet>"]
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        compiled = compile(source, "<snippet>", "exec")
        if stop_at_start:
            first = min((node.lineno for node in ast.parse(source).body), default=1)
            dbg.start_point = ("<snippet>", compiled.co_firstlineno)
            dbg.set_break("<snippet>", first, temporary=True)
        dbg.begin()
        exec(compiled, namespace)  # noqa: S102 - running the agent's code is the job
        sys.settrace(None)
        why = "the snippet finished"
    except SystemExit as exc:
        sys.settrace(None)
        why = f"the snippet called sys.exit({clip(repr(exc.code), 100)})"
    except BaseException as exc:  # noqa: BLE001 - post-mortem on whatever the snippet raised
        sys.settrace(None)
        if exc.__traceback__ is not None and not isinstance(exc, SyntaxError):
            try:
                shown = f"{type(exc).__name__}: {exc}"
            except BaseException:  # noqa: BLE001 - a hostile __str__
                shown = type(exc).__name__
            dbg.post_mortem_at(exc.__traceback__, shown)
        why = f"the snippet raised {clip(type(exc).__name__, 200)}: {cap(str(exc), 500)}"
    send({"event": "ended", "why": why, "output": dbg.stdout.take(), "warnings": dbg.warnings[:10]})
    return 0


def clip_stop(event: dict) -> dict:
    """A child's stop event with every field bounded and typed: the child is the agent's code."""
    location = event.get("location") if isinstance(event.get("location"), dict) else {}
    line = location.get("line")

    def reprs(value) -> dict[str, str] | None:
        if not isinstance(value, dict):
            return None
        kept, total = {}, 0
        for name, text in list(value.items())[:MAX_LOCALS]:
            text = clip(text, MAX_REPR)
            total += len(text)
            if total > MAX_LOCALS_CHARS + MAX_LOCALS * 100:
                break
            kept[clip(name, 100)] = text
        return kept

    cut = event.get("locals_cut")
    depth = event.get("depth")
    return {
        "reason": clip(event.get("reason", ""), 40),
        "location": {"path": clip(location.get("path", "")), "line": line if isinstance(line, int) and not isinstance(line, bool) else 0, "function": clip(location.get("function", ""), 200)},
        "source": cap(str(event.get("source", "")), 8000),
        "locals": reprs(event.get("locals")) or {},
        "locals_cut": cut if isinstance(cut, int) and not isinstance(cut, bool) else 0,
        "changed": reprs(event.get("changed")),
        "depth": depth if isinstance(depth, int) and not isinstance(depth, bool) else 0,
    }


def clip_breakpoints(value) -> list[dict] | None:
    if not isinstance(value, list):
        return None
    kept = []
    for bp in value[:MAX_BREAKPOINTS]:
        if isinstance(bp, dict) and isinstance(bp.get("line"), int):
            cond = bp.get("condition")
            kept.append({"path": clip(bp.get("path", "")), "line": bp["line"], "condition": clip(cond, 500) if isinstance(cond, str) else None})
    return kept


REAPED: dict[int, int] = {}  # exit statuses of the runner's children, whoever reaped them


class DebugSession:
    """The parent's side of one live debugger child."""

    def __init__(self, request: dict, workdir: str, scratch: list[str], private_ipc: bool):
        self.workdir, self.scratch, self.private_ipc = workdir, scratch, private_ipc
        self.started = time.monotonic()
        self.deadline = self.started + float(request.get("timeout_s") or 300)
        self.command_timeout = float(request.get("command_timeout_s") or 10)
        self.output_limit = int(request.get("max_output_bytes") or 16000)
        self.token = secrets.token_hex(16)
        # Shared with the request loop, whose clean-up between requests may reap the debuggee first.
        self.statuses = REAPED
        self.workspace = prepare_workspace(workdir, dict(request.get("files") or {}))
        event_r, event_w = os.pipe()
        command_r, command_w = os.pipe()
        out_r, out_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            code = 70
            try:
                os.setsid()
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(out_w, 1)
                os.dup2(out_w, 2)
                low, high = sorted((event_w, command_r))
                os.closerange(3, low)
                os.closerange(low + 1, high)
                os.closerange(high + 1, 1 << 16)
                sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
                sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
                code = debug_child_main(request, self.workspace, event_w, command_r, self.token)
            except BaseException:  # noqa: BLE001 - the child must never return into the runner loop
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                except BaseException:  # noqa: BLE001
                    pass
                os._exit(code if isinstance(code, int) else 70)
        for fd in (event_w, command_r, out_w):
            os.close(fd)
        REAPED.pop(pid, None)  # a status an earlier process of this pid left
        self.pid, self.event_r, self.command_w, self.out_r = pid, event_r, command_w, out_r
        self.events = LineReader(MAX_EVENT_BYTES)
        self.ended: str | None = None

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def command(self, command: str, timeout: float | None = None) -> dict:
        try:
            os.write(self.command_w, (json.dumps(command) + "\n").encode())
        except OSError:
            pass  # the child is gone: the wait below says how
        return self.wait(timeout or self.command_timeout)

    def wait(self, timeout: float) -> dict:
        """The child's next stop or end, within `timeout` (and the session's wall-time cap): else
        it is interrupted, and past a grace killed. Always one bounded answer."""
        output = HeadTail(self.output_limit)
        started = time.monotonic()
        limit = min(started + timeout, self.deadline)
        interrupted_at = None
        open_fds = {self.event_r, self.out_r}
        while True:
            now = time.monotonic()
            if now >= limit and interrupted_at is None and now < self.deadline:
                interrupted_at = now
                try:
                    os.kill(self.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
                limit = min(now + DEBUG_GRACE_S, self.deadline)
            elif now >= limit:
                why = "its wall-time cap" if now >= self.deadline else f"it did not stop within {timeout:g} s of the command, even when interrupted"
                return self.end(f"the session was killed: {why}", output)
            readable = select.select(list(open_fds), [], [], max(0.0, min(limit - now, 0.5)))[0] if open_fds else []
            if not open_fds:
                time.sleep(0.02)
            for fd in readable:
                chunk = os.read(fd, 65536)
                if not chunk:
                    open_fds.discard(fd)
                elif fd == self.out_r:
                    output.feed(chunk)
                else:
                    for line in self.events.feed(chunk):
                        answer = self._answer(line, output, interrupted_at is not None, timeout)
                        if answer is not None:
                            return answer
            reap(self.statuses)
            # The debuggee is gone and its pipes drained (or held open by a process it left behind).
            if self.pid in self.statuses and (self.event_r not in open_fds or not readable):
                status = self.statuses[self.pid]
                how = f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exited with code {os.WEXITSTATUS(status)}"
                return self.end(f"the debugged process {how}", output)

    def _answer(self, line: bytes, output: HeadTail, interrupted: bool, timeout: float) -> dict | None:
        try:
            event = json.loads(line)
            if not isinstance(event, dict) or event.get("token") != self.token:
                return None
        except ValueError:
            return None
        warnings = [clip(w, 500) for w in (event.get("warnings") or [])[:10] if isinstance(w, str)] if isinstance(event.get("warnings"), list) else []
        if interrupted:
            warnings.append(f"the command had not come back after {timeout:g} s: the program was interrupted where it was")
        if event.get("event") == "stop":
            text, dropped = output.text()
            return {
                "state": "stopped",
                "stop": clip_stop(event),
                "output": cap(str(event.get("output") or ""), MAX_DEBUG_TEXT + 100),
                "program_output": text,
                "program_output_dropped_bytes": dropped,
                "refused": clip(event["refused"], 500) if isinstance(event.get("refused"), str) else None,
                "breakpoints": clip_breakpoints(event.get("breakpoints")),
                "warnings": warnings,
                "interrupted": interrupted,
            }
        if event.get("event") == "ended":
            answer = self.end(clip(event.get("why", "the program ended"), 1000), output)
            answer["output"] = cap(str(event.get("output") or ""), MAX_DEBUG_TEXT + 100)
            answer["warnings"] = warnings
            return answer
        return None

    def end(self, why: str, output: HeadTail | None = None) -> dict:
        """Kill the session's whole process tree and wipe its workspace; the answer says why."""
        if self.ended is None:
            self.ended = why
            for fd in (self.command_w, self.event_r, self.out_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            kill_everything_started(self.statuses)
            wipe([self.workdir, *self.scratch])
            if self.private_ipc:
                remove_ipc_objects()
        text, dropped = output.text() if output is not None else ("", 0)
        return {"state": "ended", "ended": self.ended, "program_output": text, "program_output_dropped_bytes": dropped}

    def own_pids(self) -> set[int]:
        return {self.pid, *descendants(self.pid)} if self.ended is None else set()


def debug_request(request: dict, emit, workdir: str, scratch: list[str], private_ipc: bool) -> None:
    """debug_start, debug_command, debug_stop: one done event each."""
    op = request.get("op")
    session = State.session
    started = time.monotonic()

    def answer(body: dict) -> None:
        emit(within_event_limit_debug({"event": "done", **body, "duration_s": round(time.monotonic() - started, 4)}))

    if op == "debug_start":
        end_debug_session("a new session started")
        if State.scored:
            emit({"event": "error", "message": "this runner has run hidden tests: it serves no more sessions until it is recycled"})
            return
        target = request.get("target")
        if not isinstance(target, dict) or target.get("kind") not in ("test", "python"):
            emit({"event": "error", "message": "debug_start needs a target: {kind: test, test} or {kind: python, code}"})
            return
        problem = project_problem(request)
        if target["kind"] == "test" and not problem:
            problem = selection_problem({"targets": [target.get("test")]})
        if problem:
            emit({"event": "error", "message": problem})
            return
        State.runs += 1
        State.session_note = None
        try:
            State.session = DebugSession(request, workdir, scratch, private_ipc)
        except (ValueError, OSError) as exc:
            wipe([workdir, *scratch])
            emit({"event": "error", "message": f"cannot start the session: {exc}"})
            return
        result = State.session.wait(float(request.get("start_timeout_s") or 30))
    elif session is None or session.ended is not None:
        note, State.session_note = State.session_note, None
        result = {"state": "none", "ended": note}
    elif op == "debug_stop":
        result = session.end("debug_stop ended it")
    else:
        command = request.get("command")
        if not isinstance(command, str) or len(command) > MAX_COMMAND_CHARS or any(c in command for c in "\x00\r\n"):
            emit({"event": "error", "message": f"a pdb command is one line of at most {MAX_COMMAND_CHARS} characters"})
            return
        refusal = refused_command(command)
        if refusal:
            emit({"event": "error", "message": refusal})
            return
        timeout = request.get("timeout_s")
        result = session.command(command, float(timeout) if isinstance(timeout, (int, float)) and 0 < timeout <= 600 else None)
    if State.session is not None and State.session.ended is not None:
        State.session, State.session_note = None, None
    answer(result)


def within_event_limit_debug(event: dict) -> dict:
    if len(json.dumps(event)) > MAX_EVENT_BYTES:
        event["program_output"] = ""
        if event.get("stop"):
            event["stop"]["locals"], event["stop"]["changed"] = {}, None
    return event


def end_debug_session(why: str) -> None:
    """Any other request ends a live session first: its processes die, its workspace is wiped."""
    session = State.session
    if session is not None:
        if session.ended is None:
            session.end(why)
            State.session_note = f"the debugger session ended: {why}"
        State.session = None


# -- trace: one run, the named function's lines and the values each changed ---------------

MAX_TRACE_CALLS = 5  # calls of the function shown line by line; the rest are counted
MAX_TRACE_ENTRIES = 300
TRACE_LOOP_LIMIT = 3  # a line's executions shown per call; the rest summarised with counts
MAX_TRACE_REPR = 120


class Tracer:
    def __init__(self, function: str, workspace: str):
        self.function = function
        self.workspace = workspace
        self.calls: list[dict] = []
        self.calls_total = 0
        self.entries = 0
        self.where: str | None = None

    def own(self, code: CodeType) -> bool:
        if code.co_name != self.function and getattr(code, "co_qualname", "") != self.function:
            return False
        path = code.co_filename
        return path == "<snippet>" or os.path.realpath(path).startswith(self.workspace + os.sep)

    def global_trace(self, frame, event, arg):
        if event != "call" or not self.own(frame.f_code):
            return None
        self.calls_total += 1
        if len(self.calls) >= MAX_TRACE_CALLS:
            return None
        if self.where is None:
            path = frame.f_code.co_filename
            self.where = path if path == "<snippet>" else os.path.relpath(os.path.realpath(path), self.workspace)
        args, _ = local_reprs(frame.f_locals, MAX_TRACE_REPR, 2000)
        call = {"args": args, "steps": [], "counts": {}, "returned": None, "raised": None}
        self.calls.append(call)
        state = {"values": dict(args), "line": None, "exception": None}

        def local_trace(frame, event, arg):
            try:
                values, _ = local_reprs(frame.f_locals, MAX_TRACE_REPR, 2000)
                if state["line"] is not None:
                    changed = {k: v for k, v in values.items() if state["values"].get(k) != v}
                    self._record(call, state["line"], changed)
                state["values"] = values
                if event == "line":
                    state["line"], state["exception"] = frame.f_lineno, None
                elif event == "exception":
                    state["exception"] = f"{clip(arg[0].__name__, 200)}: {clip(safe_repr(arg[1]) if not str(arg[1]) else str(arg[1]), 300)}"
                    state["line"] = None
                elif event == "return":
                    if state["exception"] is not None:
                        call["raised"] = state["exception"]
                    else:
                        call["returned"] = safe_repr(arg, 500)
                    state["line"] = None
            except ReprTimeout:
                raise
            except BaseException:  # noqa: BLE001 - the trace never breaks the traced program
                pass
            return local_trace

        return local_trace

    def _record(self, call: dict, line: int, changed: dict) -> None:
        counts = call["counts"]
        counts[line] = counts.get(line, 0) + 1
        steps = call["steps"]
        if counts[line] <= TRACE_LOOP_LIMIT and self.entries < MAX_TRACE_ENTRIES:
            steps.append({"line": line, "changed": changed})
            self.entries += 1
        elif counts[line] > TRACE_LOOP_LIMIT:
            summary = next((s for s in reversed(steps) if s.get("repeats_of") == line), None)
            if summary is None and self.entries < MAX_TRACE_ENTRIES:
                summary = {"repeats_of": line, "more": 0, "last_changed": {}}
                steps.append(summary)
                self.entries += 1
            if summary is not None:
                summary["more"] += 1
                summary["last_changed"].update(changed)

    def result(self) -> dict:
        return {"function": self.function, "path": self.where, "calls": self.calls, "calls_total": self.calls_total, "truncated": self.entries >= MAX_TRACE_ENTRIES}


def trace_child(request: dict, workspace: str, send, timeout_s: float, targets: list[str], root: str) -> int:
    tracer = Tracer(str(request.get("trace_function") or ""), workspace)
    try:
        if targets:
            reporter = Reporter(send, workspace, float(request.get("test_timeout_s") or 10))
            sys.settrace(tracer.global_trace)
            code = int(pytest.main(pytest_args(targets, root, None, request), plugins=[reporter]))
        else:
            sys.settrace(tracer.global_trace)
            code = _run_snippet(request.get("code", ""), workspace, send, timeout_s)
    finally:
        sys.settrace(None)
        send({"event": "trace", "trace": tracer.result()})
    return code


def clip_trace(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    calls = []
    for call in (value.get("calls") if isinstance(value.get("calls"), list) else [])[:MAX_TRACE_CALLS]:
        if not isinstance(call, dict):
            continue
        steps = []
        for step in (call.get("steps") if isinstance(call.get("steps"), list) else [])[:MAX_TRACE_ENTRIES]:
            if not isinstance(step, dict):
                continue
            if isinstance(step.get("line"), int):
                steps.append({"line": step["line"], "changed": _clip_values(step.get("changed"))})
            elif isinstance(step.get("repeats_of"), int) and isinstance(step.get("more"), int):
                steps.append({"repeats_of": step["repeats_of"], "more": step["more"], "last_changed": _clip_values(step.get("last_changed"))})
        counts = call.get("counts") if isinstance(call.get("counts"), dict) else {}
        calls.append({
            "args": _clip_values(call.get("args")),
            "steps": steps,
            "counts": {str(k)[:10]: v for k, v in list(counts.items())[:500] if isinstance(v, int)},
            "returned": clip_text(call.get("returned"), 600),
            "raised": clip_text(call.get("raised"), 600),
        })
    total = value.get("calls_total")
    return {"function": clip(value.get("function", ""), 200), "path": clip(value["path"]) if isinstance(value.get("path"), str) else None, "calls": calls, "calls_total": total if isinstance(total, int) else len(calls), "truncated": value.get("truncated") is True}


def _clip_values(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {clip(k, 100): clip(v, MAX_TRACE_REPR + 40) for k, v in list(value.items())[:MAX_LOCALS]}


# ---------------------------------------------------------------------------
# The request loop.


class Channel:
    """Line-delimited JSON on raw file descriptors (no buffering surprises with select)."""

    def __init__(self, in_fd: int, out_fd: int):
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.buffer = b""

    def send(self, event: dict) -> None:
        data = (json.dumps(event) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self.out_fd, view)
            view = view[written:]

    def receive(self, timeout: float | None) -> bytes | None:
        """The next line (maybe empty), None on timeout; EOFError at end of input."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_REQUEST_BYTES:
                self.buffer = b""
                raise ValueError(f"request larger than {MAX_REQUEST_BYTES} bytes")
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self.in_fd], [], [], wait)[0]:
                return None
            chunk = os.read(self.in_fd, 1 << 20)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line


class State:
    """What this process image has done: runs served, and whether hidden tests ever entered it."""

    runs = 0
    scored = False
    session: DebugSession | None = None  # the live debugger session, if any
    session_note: str | None = None  # how the last session ended, when no request saw it end


def handle(request: dict, channel: Channel, workdir: str, scratch: list[str], private_ipc: bool = False) -> bool:
    """Serve one request. True: the caller must now replace this process with a fresh runner."""
    request_id = request.get("id")

    def emit(event: dict) -> None:
        message = {"id": request_id, **event}
        if event.get("event") != "done" and len(json.dumps(message)) > MAX_EVENT_BYTES:
            return  # progress only (the done event carries the result, and is bounded itself)
        channel.send(message)

    op = request.get("op")
    if op in ("debug_start", "debug_command", "debug_stop"):
        debug_request(request, emit, workdir, scratch, private_ipc)
        return False
    if op != "ping":  # a run (a scoring one too) or a recycle: never beside a live debuggee
        kinds = {"pytest": "tests ran in the sandbox", "python": "a snippet ran in the sandbox", "trace": "a trace ran in the sandbox"}
        end_debug_session("the episode ended" if op == "recycle" else kinds.get(str(request.get("kind")), f"a {clip(op, 40)} request came in"))
    if op == "ping":
        emit({"event": "pong", "protocol": PROTOCOL_VERSION, "runs": State.runs, "pid": os.getpid(), "uid": os.getuid(), "python": sys.version.split()[0], "pytest": pytest.__version__})
        return False
    if op == "recycle":
        wipe([workdir, *scratch])
        if private_ipc:
            remove_ipc_objects()
        leftovers = audit([workdir, *scratch], private_ipc)
        if channel.buffer:
            leftovers.append("unread input after the recycle request")
        emit({"event": "done", "clean": not leftovers, "leftovers": leftovers[:50]})
        return not leftovers
    if op != "run" or request.get("kind") not in ("pytest", "python", "trace"):
        emit({"event": "error", "message": f"unknown request: op={op!r} kind={request.get('kind')!r}"})
        return False
    if State.scored:
        emit({"event": "error", "message": "this runner has run hidden tests: it serves no more runs until it is recycled"})
        return False
    problem = selection_problem(request)
    if problem:
        emit({"event": "error", "message": problem})
        return False
    State.runs += 1
    State.scored = bool(request.get("scoring"))
    try:
        workspace = prepare_workspace(workdir, dict(request.get("files") or {}))
    except (ValueError, OSError) as exc:
        wipe([workdir, *scratch])
        emit({"event": "error", "message": f"cannot write the workspace: {exc}"})
        return
    try:
        preload(request.get("preload"), workdir)
        emit(Run(request, workspace, emit).execute())
    finally:
        wipe([workdir, *scratch])
        if private_ipc:
            remove_ipc_objects()
    return False


def selection_problem(request: dict) -> str | None:
    """Targets and a keyword reach pytest's command line: only paths and node ids, one bounded
    expression. The server checks them first; this is the runner not taking that on trust."""
    targets = request.get("targets") or []
    keyword = request.get("keyword")
    if not isinstance(targets, list) or len(targets) > MAX_TESTS_REPORTED:
        return "targets must be a list of paths or node ids"
    for target in targets:
        if not isinstance(target, str) or not target or target.startswith("-") or len(target) > MAX_NAME_CHARS or any(c in target for c in "\x00\r\n"):
            return f"refusing target {clip(repr(target), 200)}: a path or node id, never an option"
    if keyword is not None and (not isinstance(keyword, str) or len(keyword) > MAX_NAME_CHARS or any(c in keyword for c in "\x00\r\n")):
        return "refusing the keyword expression: at most 1000 characters on one line"
    return project_problem(request)


def project_problem(request: dict) -> str | None:
    """The task's [tests] settings, as the server checked them at load: not taken on trust either."""
    root = request.get("root") or "."
    if not isinstance(root, str) or (root != "." and not _safe_relative(root)):
        return f"refusing root {clip(repr(root), 200)}: a directory inside the workspace"
    preload_names = request.get("preload") or []
    if not isinstance(preload_names, list) or len(preload_names) > MAX_PRELOAD or not all(isinstance(n, str) and _MODULE_NAME.fullmatch(n) for n in preload_names):
        return f"refusing preload: at most {MAX_PRELOAD} module names"
    args = request.get("pytest_args") or []
    if not isinstance(args, list) or len(args) > 40 or not all(isinstance(a, str) and a and len(a) <= 300 and not any(c in a for c in "\x00\r\n") for a in args):
        return "refusing pytest_args: at most 40 one-line options"
    markers = request.get("markers")
    if markers is not None and (not isinstance(markers, str) or len(markers) > MAX_NAME_CHARS or any(c in markers for c in "\x00\r\n")):
        return "refusing markers: one -m expression of at most 1000 characters"
    return None


def replace_this_process(channel: Channel, deadline: float | None) -> None:
    """execve a fresh runner in place of this one: same pid (PID 1 in a container, which agent code
    cannot signal), same stdin and stdout, a new address space with nothing of what this one held.
    The hard lifetime carries over as an absolute deadline on the (system-wide) monotonic clock."""
    os.dup2(channel.out_fd, 1)  # the protocol's stdout, which our dup of it would not pass on (CLOEXEC)
    environ = dict(os.environ)
    if deadline is not None:
        environ[DEADLINE_ENV] = repr(deadline)
    os.execve(sys.executable, sys.orig_argv, environ)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True, help="where each run's workspace is written")
    parser.add_argument("--scratch", action="append", default=[], help="directories emptied after every run (e.g. /tmp)")
    parser.add_argument("--lifetime", type=float, default=0, help="exit by itself after this many seconds (0: never)")
    parser.add_argument("--private-ipc", action="store_true", help="alone in an IPC namespace: remove System V IPC objects after every run")
    args = parser.parse_args(argv)

    os.makedirs(args.workdir, exist_ok=True)
    workdir = os.path.realpath(args.workdir)
    become_subreaper()
    refuse_tracing()
    # No signal handlers on purpose: as PID 1 in a container, a signal without a handler cannot
    # reach us from inside the container, so agent code cannot stop its own runner. Python installs
    # one for SIGINT (KeyboardInterrupt), which let a run's `os.kill(1, SIGINT)` end the runner:
    # back to the default. Each run's child gets Python's handler back.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The protocol owns the real stdout; anything else printing goes to stderr.
    channel = Channel(sys.stdin.fileno(), os.dup(1))
    os.dup2(2, 1)
    REWRITTEN_TESTS.install()
    warm_up(workdir)
    end = time.monotonic() + args.lifetime if args.lifetime > 0 else None
    try:
        inherited = float(os.environ.pop(DEADLINE_ENV, ""))
        end = inherited if end is None else min(end, inherited)
    except ValueError:
        pass  # first start: no deadline carried over
    statuses = REAPED
    while True:
        remaining = None if end is None else end - time.monotonic()
        if remaining is not None and remaining <= 0:
            return 0
        if State.session is not None:
            if State.session.expired():
                end_debug_session("it reached its wall-time cap")
                continue
            left = State.session.deadline - time.monotonic()
            remaining = left if remaining is None else min(remaining, left)
        try:
            line = channel.receive(remaining)
        except EOFError:
            return 0
        except ValueError as exc:
            channel.send({"id": None, "event": "error", "message": str(exc)})
            continue
        if line is None:
            continue
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request must be a JSON object")
        except ValueError as exc:
            channel.send({"id": None, "event": "error", "message": f"bad request: {exc}"})
            continue
        if request.get("op") == "shutdown":
            return 0
        fresh_runner_wanted = False
        try:
            fresh_runner_wanted = handle(request, channel, workdir, args.scratch, args.private_ipc)
        except Exception as exc:  # noqa: BLE001 - one bad run must not end the runner
            channel.send({"id": request.get("id"), "event": "error", "message": f"runner failure: {exc!r}"})
        finally:
            # A live debugger session is the one thing that outlives a request (it ends with the
            # next request that is not its own); everything else any request started dies now.
            kill_everything_started(statuses, spare=State.session.own_pids() if State.session is not None else set())
            if State.session is None:
                statuses.clear()  # only a live session's statuses are ever read back
        if fresh_runner_wanted:
            replace_this_process(channel, end)


if __name__ == "__main__":
    sys.exit(main())
