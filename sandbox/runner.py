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
   "max_output_bytes": int, "limits": {"memory_mb": int, "nproc": int, "fsize_mb": int}}
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
import pytest

# Import pytest's default plugins now, once, so that no run pays for them after the fork.
for _plugin in _pytest.config.default_plugins:
    try:
        __import__(f"_pytest.{_plugin}")
    except ImportError:
        pass

PROTOCOL_VERSION = 3
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


def kill_everything_started(statuses: dict[int, int]) -> None:
    """SIGKILL every descendant until none is left; a fork bomb gets several sweeps."""
    me = os.getpid()
    for _ in range(200):
        pids = descendants(me)
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
        yield
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


def child_main(request: dict, workspace: str, targets: list[str], event_fd: int, token: str = "", check: dict | None = None) -> int:
    events = os.fdopen(event_fd, "w", buffering=1)

    def send(event: dict) -> None:
        # Bounded here, where the names are made: a line past the parent's limit would be dropped whole.
        if "nodeid" in event:
            event["nodeid"] = clip(event["nodeid"])
        if event.get("frames"):
            event["frames"] = event["frames"][-MAX_FRAMES:]
        events.write(json.dumps({**event, "token": token}) + "\n")
        events.flush()

    os.chdir(workspace)
    sys.path.insert(0, workspace)
    os.environ.update(HOME=workspace, TMPDIR=workspace, PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    sys.dont_write_bytecode = True
    limits = dict(request.get("limits") or {})
    # CPU seconds: never more than the run's wall-clock budget could use, whatever was asked.
    limits["cpu_s"] = limits.get("cpu_s") or int(float(request.get("timeout_s") or 30)) + 2
    _apply_limits(limits)
    if request["kind"] == "python":
        return _run_snippet(request.get("code", ""), workspace, send, float(request.get("timeout_s") or 30))
    reporter = Reporter(send, workspace, float(request.get("test_timeout_s") or 10), check, bool(request.get("verbose")))
    keyword = request.get("keyword")
    if check:
        targets = [check["path"], *targets]  # collected first: before any code under test is imported
        if keyword is not None:
            # The planted check must run whatever the expression selects (its module's name matches).
            keyword = f"({keyword}) or {os.path.basename(check['path']).removesuffix('.py')}"
    return int(pytest.main(pytest_args(targets, workspace, keyword), plugins=[reporter]))


def pytest_args(targets: list[str], workspace: str, keyword: str | None = None) -> list[str]:
    # Attached to -k, the expression is one argument that argparse never mistakes for an option.
    return [
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
            if (getattr(module, "__file__", None) or "").startswith(root):
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
            "collect_errors": self.collect_errors,
            "exception": self.exception,
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


def handle(request: dict, channel: Channel, workdir: str, scratch: list[str], private_ipc: bool = False) -> bool:
    """Serve one request. True: the caller must now replace this process with a fresh runner."""
    request_id = request.get("id")

    def emit(event: dict) -> None:
        message = {"id": request_id, **event}
        if event.get("event") != "done" and len(json.dumps(message)) > MAX_EVENT_BYTES:
            return  # progress only (the done event carries the result, and is bounded itself)
        channel.send(message)

    op = request.get("op")
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
    if op != "run" or request.get("kind") not in ("pytest", "python"):
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
    statuses: dict[int, int] = {}
    while True:
        remaining = None if end is None else end - time.monotonic()
        if remaining is not None and remaining <= 0:
            return 0
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
            kill_everything_started(statuses)
        if fresh_runner_wanted:
            replace_this_process(channel, end)


if __name__ == "__main__":
    sys.exit(main())
