"""sandbox/runner.py, driven for real: as a subprocess over its JSON-lines protocol, and through
the local backend (sandbox/local.py). No mocks; every case runs real pytest in real processes."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sandbox.base import DebugAnswer, RunRequest, RunResult, SandboxError
from sandbox.channel import RUNNER_PROTOCOL
from sandbox.local import LocalProvider, LocalSandbox

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "sandbox" / "runner.py"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


class RunnerProcess:
    """The runner as a subprocess, spoken to over stdin/stdout exactly as a backend would."""

    def __init__(self, workdir: Path, stderr_path: Path):
        self.workdir = workdir
        self._stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(RUNNER), "--workdir", str(workdir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(workdir.parent),
        )
        self._buffer = b""
        self._ids = iter(range(1, 1_000_000))

    def send_line(self, line: bytes) -> None:
        self.proc.stdin.write(line)
        self.proc.stdin.flush()

    def next_event(self, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"no event from the runner within {timeout} s")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise AssertionError("the runner closed its stdout")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, payload: dict, *, timeout: float = 15.0, on_event=None) -> tuple[list[dict], dict]:
        """Send one request; return the events before the final one, and the final one."""
        request_id = next(self._ids)
        self.send_line((json.dumps({**payload, "id": request_id}) + "\n").encode())
        events = []
        deadline = time.monotonic() + timeout
        while True:
            event = self.next_event(max(0.1, deadline - time.monotonic()))
            assert event.get("id") == request_id, event
            if event["event"] in ("done", "pong", "error"):
                return events, event
            events.append(event)
            if on_event is not None:
                on_event(event)

    def run(self, kind: str = "pytest", **fields) -> tuple[list[dict], dict]:
        fields.setdefault("timeout_s", 10)
        fields.setdefault("test_timeout_s", 1)
        on_event = fields.pop("on_event", None)
        events, final = self.request({"op": "run", "kind": kind, **fields}, on_event=on_event)
        assert final["event"] == "done", final
        RunResult.model_validate(final)  # the channel on the server side must accept it
        return events, final

    def ping(self) -> dict:
        _, pong = self.request({"op": "ping"})
        assert pong["event"] == "pong"
        return pong

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stdout.close()
        self._stderr.close()


@pytest.fixture
def runner(tmp_path):
    process = RunnerProcess(tmp_path / "wd", tmp_path / "runner.stderr")
    yield process
    process.close()


def by_id(result: dict) -> dict[str, dict]:
    return {t["nodeid"].split("::")[-1]: t for t in result["tests"]}


def pytest_files(test_source: str, **extra: str) -> dict:
    return {"tests/test_it.py": dedent(test_source), **{k: dedent(v) for k, v in extra.items()}}


TARGETS = ["tests/test_it.py"]


# -- protocol basics -------------------------------------------------------------------------


def test_ping(runner):
    pong = runner.ping()
    assert pong["protocol"] == RUNNER_PROTOCOL  # the version the server checks on connect
    assert pong["runs"] == 0
    assert pong["pid"] == runner.proc.pid
    assert pong["python"] == sys.version.split()[0]
    assert pong["pytest"] == pytest.__version__


def test_passing_and_failing_tests_stream_events_before_done(runner, tmp_path):
    go = tmp_path / "go"
    files = pytest_files(
        f"""
        import os, time
        from calc import add

        def test_first_passes():
            assert add(1, 2) == 3

        def test_waits_for_the_first_result_to_reach_the_client():
            # passes only if the client saw test_first_passes before this test ended
            deadline = time.monotonic() + 3
            while not os.path.exists({str(go)!r}):
                assert time.monotonic() < deadline, "the first test's event was not streamed"
                time.sleep(0.01)

        def test_fails():
            assert add(2, 2) == 5
        """,
        **{"calc.py": "def add(a, b):\n    return a + b\n"},
    )

    def on_event(event):
        if event["event"] == "test" and event["nodeid"].endswith("test_first_passes"):
            go.touch()

    events, done = runner.run(files=files, targets=TARGETS, test_timeout_s=5, on_event=on_event)

    kinds = [e["event"] for e in events]
    assert kinds[0] == "collected"
    assert events[0]["nodeids"] == [
        "tests/test_it.py::test_first_passes",
        "tests/test_it.py::test_waits_for_the_first_result_to_reach_the_client",
        "tests/test_it.py::test_fails",
    ]
    streamed = [e for e in events if e["event"] == "test"]
    assert [e["nodeid"] for e in streamed] == events[0]["nodeids"]
    assert [e["outcome"] for e in streamed] == ["passed", "passed", "failed"]

    assert done["status"] == "ok" and done["kind"] == "pytest"
    assert done["collected"] == events[0]["nodeids"]
    assert [t["outcome"] for t in done["tests"]] == ["passed", "passed", "failed"]
    assert done["not_run"] == [] and done["collect_errors"] == []
    failed = by_id(done)["test_fails"]
    assert "assert 4 == 5" in failed["message"]
    assert {"path": "tests/test_it.py", "line": 15, "function": "test_fails"} in failed["frames"]
    assert "test_fails" in failed["longrepr"]
    assert done["exit_code"] == 1 and done["signal"] is None


def test_failure_frames_point_into_the_source(runner):
    files = pytest_files(
        """
        from calc import divide

        def test_divide():
            assert divide(1, 0) == 0
        """,
        **{"calc.py": "def divide(a, b):\n    return a / b\n"},
    )
    _, done = runner.run(files=files, targets=TARGETS)
    frames = done["tests"][0]["frames"]
    assert frames[-1] == {"path": "calc.py", "line": 2, "function": "divide"}
    assert "ZeroDivisionError" in done["tests"][0]["message"]


# -- hung and dying tests --------------------------------------------------------------------


def test_hanging_test_times_out_and_later_tests_still_run(runner):
    files = pytest_files(
        """
        def test_before():
            pass

        def test_hangs():
            x = 0
            while True:
                x += 1

        def test_after():
            assert True

        def test_after_fails():
            assert False
        """
    )
    started = time.monotonic()
    _, done = runner.run(files=files, targets=TARGETS, test_timeout_s=1)
    assert time.monotonic() - started < 10  # killed, not waited out
    tests = by_id(done)
    assert tests["test_before"]["outcome"] == "passed"
    assert tests["test_hangs"]["outcome"] == "timeout"
    assert "time limit" in tests["test_hangs"]["message"]
    assert tests["test_after"]["outcome"] == "passed"
    assert tests["test_after_fails"]["outcome"] == "failed"
    assert done["status"] == "ok" and done["not_run"] == []


def test_test_ignoring_sigalrm_is_killed_and_later_tests_still_run(runner):
    files = pytest_files(
        """
        import signal, time

        def test_before():
            pass

        def test_ignores_alarm():
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            time.sleep(60)

        def test_after():
            pass
        """
    )
    started = time.monotonic()
    events, done = runner.run(files=files, targets=TARGETS, test_timeout_s=1)
    assert time.monotonic() - started < 10  # killed, not waited out
    tests = by_id(done)
    assert tests["test_before"]["outcome"] == "passed"
    assert tests["test_ignores_alarm"]["outcome"] == "timeout"
    assert "killed" in tests["test_ignores_alarm"]["message"]
    assert tests["test_after"]["outcome"] == "passed"
    assert [t["nodeid"] for t in done["tests"]] == done["collected"]
    assert [e["event"] for e in events].count("collected") == 1  # the re-fork does not re-announce


def test_run_timeout_keeps_finished_tests(runner):
    files = pytest_files(
        """
        import time

        def test_one():
            pass

        def test_two():
            pass

        def test_hangs():
            time.sleep(60)

        def test_never_reached():
            pass
        """
    )
    started = time.monotonic()
    _, done = runner.run(files=files, targets=TARGETS, timeout_s=1.5, test_timeout_s=30)
    assert time.monotonic() - started < 10  # killed, not waited out
    assert done["status"] == "timeout" and done["timed_out"] is True
    assert [t["outcome"] for t in done["tests"]] == ["passed", "passed"]
    assert [n.split("::")[-1] for n in done["not_run"]] == ["test_hangs", "test_never_reached"]
    assert done["duration_s"] < 10


def test_os_exit_in_a_test_is_an_error_and_the_rest_still_run(runner):
    files = pytest_files(
        """
        import os

        def test_before():
            pass

        def test_exits():
            os._exit(3)

        def test_after():
            pass
        """
    )
    _, done = runner.run(files=files, targets=TARGETS)
    tests = by_id(done)
    assert tests["test_before"]["outcome"] == "passed"
    assert tests["test_exits"]["outcome"] == "error"
    assert "exited with code 3" in tests["test_exits"]["message"]
    assert tests["test_after"]["outcome"] == "passed"
    assert done["status"] == "ok" and done["not_run"] == []


def test_segfault_in_a_test_is_an_error_and_the_rest_still_run(runner):
    files = pytest_files(
        """
        import ctypes

        def test_before():
            pass

        def test_segfaults():
            ctypes.string_at(0)

        def test_after():
            pass
        """
    )
    _, done = runner.run(files=files, targets=TARGETS)
    tests = by_id(done)
    assert tests["test_before"]["outcome"] == "passed"
    assert tests["test_segfaults"]["outcome"] == "error"
    assert "signal 11" in tests["test_segfaults"]["message"]
    assert tests["test_after"]["outcome"] == "passed"
    assert done["not_run"] == []


# -- collection errors -----------------------------------------------------------------------


def test_syntax_error_in_the_module_under_test(runner):
    files = pytest_files(
        """
        from calc import add

        def test_add():
            assert add(1, 2) == 3
        """,
        **{"calc.py": "import os\n\ndef add(a, b:\n    return a + b\n"},
    )
    _, done = runner.run(files=files, targets=TARGETS)
    assert done["tests"] == [] and done["collected"] == []
    [error] = done["collect_errors"]
    assert error["nodeid"] == "tests/test_it.py"
    assert "SyntaxError" in error["longrepr"]
    assert {"path": "calc.py", "line": 3, "function": "<module>"} in error["frames"]
    assert all(not f["path"].startswith("/") for f in error["frames"])


def test_exception_at_import_is_a_collect_error(runner):
    files = pytest_files(
        """
        import calc

        def test_anything():
            pass
        """,
        **{"calc.py": "import os\nraise RuntimeError('boom at import')\n"},
    )
    _, done = runner.run(files=files, targets=TARGETS)
    assert done["tests"] == []
    [error] = done["collect_errors"]
    assert "boom at import" in error["longrepr"]
    assert any(f["path"] == "calc.py" and f["line"] == 2 for f in error["frames"]), error["frames"]


def test_a_test_module_with_a_syntax_error_is_reported_without_pytest_or_runner_frames(runner):
    # Its SyntaxError is raised inside pytest's import machinery and the runner's rewrite cache.
    files = {"tests/test_it.py": "def test_x(:\n    pass\n", "tests/test_ok.py": "def test_ok():\n    pass\n"}
    _, done = runner.run(files=files, targets=["tests/test_it.py", "tests/test_ok.py"])
    [error] = done["collect_errors"]
    assert "SyntaxError" in error["longrepr"] and 'File "tests/test_it.py", line 1' in error["longrepr"], error["longrepr"]
    assert "_pytest" not in error["longrepr"] and "runner.py" not in error["longrepr"], error["longrepr"]
    assert str(runner.workdir) not in error["longrepr"]


def test_one_broken_module_does_not_hide_the_others(runner):
    # scoring.count() floors the total so that "a module that fails to import counts its tests as
    # failed": the tests of the modules that did import must still run and count.
    files = {
        "tests/test_ok.py": "def test_ok():\n    pass\n",
        "tests/test_broken.py": "import nonexistent_module_xyz\n\ndef test_x():\n    pass\n",
    }
    _, done = runner.run(files=files, targets=["tests/test_broken.py", "tests/test_ok.py"])
    assert [t["nodeid"] for t in done["tests"]] == ["tests/test_ok.py::test_ok"]
    assert [e["nodeid"] for e in done["collect_errors"]] == ["tests/test_broken.py"]


# -- run kind "python" -----------------------------------------------------------------------


def test_python_output_flood_is_capped(runner):
    _, done = runner.run(
        "python",
        files={},
        code="import sys\nprint('x' * 5_000_000)\nsys.stderr.write('e' * 100_000)\n",
        max_output_bytes=2000,
    )
    assert done["status"] == "ok" and done["exception"] is None
    assert len(done["stdout"].encode()) <= 2000
    head, mark, tail = re.split(r"\n(\[\.\.\. \d+ bytes cut \.\.\.\])\n", done["stdout"])
    assert mark == f"[... {done['stdout_dropped_bytes']} bytes cut ...]"  # one line: no line boundary to cut at
    assert done["stdout_dropped_bytes"] + len(head) + len(tail) == 5_000_001
    assert head.startswith("xxx") and tail.endswith("x\n")
    assert len(done["stderr"].encode()) <= 2000
    assert done["stderr"].startswith("eee") and done["stderr"].endswith("eee") and " bytes cut ...]" in done["stderr"]


def test_long_output_keeps_head_and_tail_at_line_boundaries_and_says_what_was_cut(runner):
    _, done = runner.run("python", files={}, code="for i in range(10_000):\n    print(f'line {i}')\n", max_output_bytes=2000)
    stdout = done["stdout"]
    assert len(stdout.encode()) <= 2000
    match = re.search(r"\n\[\.\.\. (\d+) lines \((\d+) bytes\) cut \.\.\.\]\n", stdout)
    assert match, stdout
    head, tail = stdout[: match.start() + 1], stdout[match.end() :]
    head_lines, tail_lines = head.splitlines(), tail.splitlines()
    assert head_lines[0] == "line 0" and tail_lines[-1] == "line 9999"
    # Whole lines on both sides of the cut, and the cut's size adds up exactly.
    assert head_lines[-1] == f"line {len(head_lines) - 1}" and tail_lines[0] == f"line {10_000 - len(tail_lines)}"
    assert int(match.group(1)) == 10_000 - len(head_lines) - len(tail_lines)
    total = sum(len(f"line {i}\n") for i in range(10_000))
    assert int(match.group(2)) == done["stdout_dropped_bytes"] == total - len(head) - len(tail)


def test_python_exception_frames_point_at_snippet_and_files(runner):
    files = {"calc.py": "def f():\n    raise ValueError('bad value')\n"}
    _, done = runner.run("python", files=files, code="import calc\n\ncalc.f()\n")
    exc = done["exception"]
    assert exc["type"] == "ValueError"
    assert exc["message"] == "bad value"
    assert exc["frames"] == [
        {"path": "<snippet>", "line": 3, "function": "<module>"},
        {"path": "calc.py", "line": 2, "function": "f"},
    ]
    assert "runner.py" not in exc["traceback"]
    assert done["exit_code"] == 1


def test_python_exception_in_the_snippet_itself(runner):
    _, done = runner.run("python", files={}, code="print('before')\nx = 1\n1 / 0\n")
    assert done["stdout"] == "before\n"
    assert done["exception"]["type"] == "ZeroDivisionError"
    assert done["exception"]["frames"] == [{"path": "<snippet>", "line": 3, "function": "<module>"}]


def test_python_syntax_error_in_snippet(runner):
    _, done = runner.run("python", files={}, code="x = 1\ny = (\n")
    assert done["exception"]["type"] == "SyntaxError"


@pytest.mark.parametrize(("exit_call", "code"), [("sys.exit(4)", 4), ("sys.exit()", 0), ("sys.exit('bye')", 1), ("sys.exit(0)", 0)])
def test_python_system_exit_code(runner, exit_call, code):
    _, done = runner.run("python", files={}, code=f"import sys\nprint('hi')\n{exit_call}\nprint('unreached')\n")
    assert done["exit_code"] == code
    assert done["exception"] is None
    assert done["stdout"] == "hi\n"
    assert done["status"] == "ok"


def test_python_snippet_sees_workspace_files_and_cwd(runner):
    files = {"pkg/__init__.py": "", "pkg/mod.py": "VALUE = 41\n", "data.txt": "hello\n"}
    _, done = runner.run("python", files=files, code="from pkg.mod import VALUE\nprint(VALUE + 1, open('data.txt').read().strip())\n")
    assert done["exception"] is None
    assert done["stdout"] == "42 hello\n"


def test_python_hang_times_out(runner):
    started = time.monotonic()
    _, done = runner.run("python", files={}, code="while True:\n    pass\n", timeout_s=1)
    assert time.monotonic() - started < 10  # killed, not waited out
    assert done["status"] == "timeout" and done["timed_out"] is True


# -- hygiene: processes and files do not outlive a run -----------------------------------------


def test_background_processes_are_gone_after_the_run(runner, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    files = pytest_files(
        f"""
        import os, subprocess, sys, time

        PIDS = {str(pids)!r}
        SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]

        def alive(pid):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            return True

        def test_new_session_child():
            p = subprocess.Popen(SLEEPER, start_new_session=True)
            with open(os.path.join(PIDS, "popen"), "w") as f:
                f.write(str(p.pid))
            assert alive(p.pid)

        def test_double_fork():
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                try:
                    os.setsid()
                    if os.fork() == 0:
                        os.write(w, str(os.getpid()).encode())
                        os.close(w)
                        time.sleep(60)
                finally:
                    os._exit(0)
            os.close(w)
            os.waitpid(pid, 0)
            grandchild = int(os.read(r, 100))
            with open(os.path.join(PIDS, "double"), "w") as f:
                f.write(str(grandchild))
            assert alive(grandchild)
        """
    )
    started = time.monotonic()
    _, done = runner.run(files=files, targets=TARGETS)
    assert time.monotonic() - started < 10  # killed, not waited out
    assert [t["outcome"] for t in done["tests"]] == ["passed", "passed"]
    for name in ("popen", "double"):
        pid = int((pids / name).read_text())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_each_run_starts_clean(runner):
    first = {"extra.py": "X = 1\n", "keep.py": "Y = 2\n"}
    code1 = dedent(
        """
        import json, os
        os.makedirs('made/inner', exist_ok=True)
        open('made/inner/file.txt', 'w').write('left behind')
        open('leftover.txt', 'w').write('left behind')
        open(os.path.join(os.environ['TMPDIR'], 'tmpfile'), 'w').write('x')
        json.MARKER = 'polluted'
        import extra
        print(sorted(os.listdir('.')))
        """
    )
    _, done1 = runner.run("python", files=first, code=code1)
    assert done1["exception"] is None, done1["exception"]
    assert "leftover.txt" in done1["stdout"]

    code2 = dedent(
        """
        import json, os
        print(sorted(os.listdir('.')))
        print(hasattr(json, 'MARKER'))
        import extra
        """
    )
    _, done2 = runner.run("python", files={"keep.py": "Y = 2\n"}, code=code2)
    lines = done2["stdout"].splitlines()
    assert lines[0] == "['keep.py']"
    assert lines[1] == "False"
    assert done2["exception"]["type"] == "ModuleNotFoundError"
    # and nothing is left in the runner's work directory between runs (the runner wipes it
    # after sending "done", so ask something else first)
    runner.ping()
    assert not any(runner.workdir.iterdir())


# -- bad requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad_path", ["../escape.py", "a/../../escape.py", "/tmp/absolute_escape.py", "a\\b.py", ""])
def test_refuses_paths_outside_the_workspace(runner, tmp_path, bad_path):
    _, final = runner.request({"op": "run", "kind": "pytest", "files": {"ok.py": "", bad_path: "x = 1\n"}, "targets": []})
    assert final["event"] == "error"
    assert "refusing" in final["message"]
    assert not (tmp_path / "escape.py").exists()
    runner.ping()  # still serving
    assert not (tmp_path / "wd" / "escape.py").exists()
    assert not any(runner.workdir.iterdir())
    _, done = runner.run("python", files={"ok.py": ""}, code="import ok\n")
    assert done["exception"] is None


def test_malformed_request_lines_get_errors_and_the_runner_keeps_serving(runner):
    runner.send_line(b"{this is not json\n")
    event = runner.next_event()
    assert event["event"] == "error" and event["id"] is None and "bad request" in event["message"]

    runner.send_line(b"[1, 2, 3]\n")
    event = runner.next_event()
    assert event["event"] == "error" and event["id"] is None

    _, final = runner.request({"op": "dance"})
    assert final["event"] == "error" and "unknown request" in final["message"]
    _, final = runner.request({"op": "run", "kind": "rust", "files": {}})
    assert final["event"] == "error" and "unknown request" in final["message"]

    runner.ping()
    _, done = runner.run("python", files={}, code="print(6 * 7)\n")
    assert done["stdout"] == "42\n"


def test_blank_request_lines_are_ignored(runner):
    # main() means to skip blank lines (`if not line.strip(): continue`), but an empty line must
    # not be taken for end of input.
    runner.send_line(b"\n")
    runner.send_line(b"   \n")
    runner.ping()


def test_stdin_eof_ends_the_runner(runner):
    runner.ping()
    runner.proc.stdin.close()
    assert runner.proc.wait(5) == 0


def test_shutdown_request_ends_the_runner(runner):
    runner.send_line(b'{"op": "shutdown", "id": 1}\n')
    assert runner.proc.wait(5) == 0


# -- through the local backend ---------------------------------------------------------------


@pytest.fixture
def anyio_backend():
    return "asyncio"


LOCAL_TESTS = pytest_files(
    """
    from calc import add

    def test_good():
        assert add(1, 1) == 2

    def test_hangs():
        x = 0
        while True:
            x += 1

    def test_bad():
        assert add(2, 2) == 5
    """,
    **{"calc.py": "def add(a, b):\n    return a + b\n"},
)


@pytest.mark.anyio
async def test_local_sandbox_runs_tests_and_streams_events():
    provider = LocalProvider()
    sandbox = await provider.acquire("episode-local-1")
    try:
        assert isinstance(sandbox, LocalSandbox)
        assert (sandbox.backend, sandbox.isolation) == ("local", "process")
        events: list[dict] = []

        async def on_event(event: dict) -> None:
            events.append(event)

        request = RunRequest(kind="pytest", files=LOCAL_TESTS, targets=TARGETS, timeout_s=10, test_timeout_s=1)
        result = await sandbox.run(request, on_event)
        assert isinstance(result, RunResult)
        assert [(t.nodeid.split("::")[-1], t.outcome) for t in result.tests] == [
            ("test_good", "passed"),
            ("test_hangs", "timeout"),
            ("test_bad", "failed"),
        ]
        assert result.status == "ok"
        assert events[0]["event"] == "collected"
        assert [e["outcome"] for e in events if e["event"] == "test"] == ["passed", "timeout", "failed"]
        assert all(e["event"] != "done" for e in events)
        assert provider.status()["sandboxes_started"] == 1
    finally:
        await sandbox.close()


@pytest.mark.anyio
async def test_local_sandbox_python_run_and_clean_state():
    sandbox = await LocalProvider().acquire("episode-local-2")
    try:
        first = await sandbox.run(
            RunRequest(kind="python", files={"calc.py": "def f():\n    raise KeyError('k')\n"}, code="open('junk', 'w')\nimport calc\ncalc.f()\n")
        )
        assert first.exception is not None and first.exception.type == "KeyError"
        assert [(f.path, f.line) for f in first.exception.frames] == [("<snippet>", 3), ("calc.py", 2)]
        second = await sandbox.run(RunRequest(kind="python", files={}, code="import os\nprint(os.listdir('.'))\n"))
        assert second.stdout == "[]\n"
        flood = await sandbox.run(RunRequest(kind="python", files={}, code="print('y' * 1_000_000)\n", max_output_bytes=500))
        assert len(flood.stdout) <= 500 and flood.stdout_dropped_bytes > 0
    finally:
        await sandbox.close()


@pytest.mark.anyio
async def test_local_sandbox_refused_request_raises_and_sandbox_stays_usable():
    sandbox = await LocalProvider().acquire("episode-local-3")
    try:
        with pytest.raises(SandboxError, match="refusing"):
            await sandbox.run(RunRequest(kind="python", files={"../escape.py": ""}, code=""))
        ok = await sandbox.run(RunRequest(kind="python", files={}, code="print('still here')\n"))
        assert ok.stdout == "still here\n"
    finally:
        await sandbox.close()


@pytest.mark.anyio
async def test_local_sandbox_close_ends_the_runner_and_removes_its_directory():
    sandbox = await LocalProvider().acquire("episode-local-4")
    root = sandbox._root
    process = sandbox._process
    assert root.is_dir()
    await sandbox.close()
    assert process.returncode is not None
    assert not root.exists()
    with pytest.raises(SandboxError):
        await sandbox.run(RunRequest(kind="python", files={}, code="pass\n"))


def test_rewritten_test_cache_hands_children_the_parents_code_and_misses_on_any_change(tmp_path, monkeypatch):
    """The parent's cache of assert-rewritten test modules (sandbox/runner.py, RewrittenTests): the
    exact bytes the parent prepared give its code object; a file changed since gives pytest's own
    rewrite of the new bytes, so a cached run and an uncached one cannot differ."""
    import _pytest.assertion.rewrite as rewrite

    from sandbox import runner

    monkeypatch.setattr(rewrite, "_rewrite_test", rewrite._rewrite_test)  # restored after the test
    test_file = tmp_path / "test_cached.py"
    test_file.write_text("def test_value():\n    assert 1 + 1 == 2\n")
    cache = runner.RewrittenTests()
    cache.prepare([str(test_file), str(tmp_path / "missing.py")])
    assert len(cache.codes) == 1
    cache.install()
    _, cached = rewrite._rewrite_test(test_file, None)
    assert cached is next(iter(cache.codes.values()))
    namespace: dict = {}
    exec(cached, namespace)
    namespace["test_value"]()  # the rewritten assert runs

    test_file.write_text("def test_value():\n    assert 1 + 1 == 3\n")
    _, changed = rewrite._rewrite_test(test_file, None)
    assert changed is not cached
    exec(changed, namespace)
    with pytest.raises(AssertionError, match=r"assert \(1 \+ 1\) == 3"):  # pytest's rewritten message
        namespace["test_value"]()


# -- issue 15: what the code under test can make of a result, and what a scoring run leaves ---------


HUGE_NAMES = """
import pytest

HUGE = "f" * 4_000_000
namespace = {}
exec(f"def {HUGE}():\\n    assert 1 == 2\\n", namespace)
call_it = namespace[HUGE]


@pytest.mark.parametrize("n", range(12))
def test_fails_in_a_function_with_a_huge_name(n):
    call_it()


@pytest.mark.parametrize("x", ["i" * 3_000_000])
def test_with_a_huge_id(x):
    assert x == ""
"""


def test_names_the_code_under_test_makes_huge_are_cut_and_the_result_stays_within_the_limit(runner):
    """A 4 MB function name in every failing frame and a 3 MB test id (attack 3b of issue 15): the
    result is cut to the runner's event limit, the run is an ordinary (failed) run of the agent's
    code, and the runner serves the next request."""
    events, done = runner.run(files=pytest_files(HUGE_NAMES), targets=TARGETS, timeout_s=30)
    assert len(json.dumps(done)) < 8 * 1024 * 1024
    assert done["status"] == "ok"
    outcomes = [t["outcome"] for t in done["tests"]]
    assert outcomes.count("failed") == 13, outcomes
    for test in done["tests"]:
        assert len(test["nodeid"]) < 1100
        assert all(len(frame["function"]) < 300 for frame in test["frames"] or [])
    assert any("characters cut" in t["nodeid"] for t in done["tests"])
    assert runner.ping()["runs"] == 1


def test_a_huge_exception_name_in_a_snippet_is_cut(runner):
    code = "raise type('E' * 40_000_000, (Exception,), {})('boom')"
    _, done = runner.run("python", files={}, code=code, timeout_s=30)
    assert len(json.dumps(done)) < 8 * 1024 * 1024
    assert done["exception"]["message"] == "boom"
    assert len(done["exception"]["type"]) < 300


def test_endless_garbage_on_the_event_pipe_does_not_grow_the_runner(runner):
    """The child owns the event pipe's write end: a line without end must be dropped, not kept."""
    code = """
import os
for fd in range(3, 64):
    try:
        os.write(fd, b"x" * (1 << 20))
    except OSError:
        continue
    for _ in range(40):
        os.write(fd, b"x" * (1 << 20))
print("wrote")
"""
    _, done = runner.run("python", files={}, code=code, timeout_s=30)
    assert done["stdout"].strip() == "wrote"
    with open(f"/proc/{runner.proc.pid}/status") as f:
        rss_kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
    assert rss_kb < 150_000, f"the runner holds {rss_kb} kB after 41 MB of garbage"


def test_a_scoring_run_is_the_last_run_its_runner_serves(runner):
    """Hidden tests never reach a process that serves another run: after a scoring run the runner
    refuses runs until it is recycled (a container's runner then replaces itself; test_docker)."""
    files = pytest_files("def test_ok():\n    assert True\n")
    _, done = runner.run(files=files, targets=TARGETS, scoring=True)
    assert [t["outcome"] for t in done["tests"]] == ["passed"]
    _, refused = runner.request({"op": "run", "kind": "pytest", "files": files, "targets": TARGETS})
    assert refused["event"] == "error" and "recycled" in refused["message"]
    assert runner.ping()["runs"] == 1


def test_recycle_refuses_to_replace_a_runner_that_is_not_alone(runner):
    """Outside a container every other process of the machine is a leftover: the audit says so and
    the runner stays as it is (no exec), so nothing is reused on a dirty audit."""
    runner.run("python", files={}, code="print(1)")
    _, done = runner.request({"op": "recycle"})
    assert done["event"] == "done" and done["clean"] is False and done["leftovers"]
    pong = runner.ping()
    assert pong["pid"] == runner.proc.pid and pong["runs"] == 1


@pytest.mark.parametrize("fields", [{"targets": ["--collect-only"]}, {"targets": ["tests/test_it.py\n-x"]}, {"keyword": "a\nb"}, {"keyword": "x" * 2000}])
def test_the_runner_refuses_option_like_targets_and_odd_keywords(runner, fields):
    # The server validates run_tests' selection first; the runner does not take that on trust.
    request = {"op": "run", "kind": "pytest", "files": pytest_files("def test_ok():\n    pass\n"), "targets": TARGETS, **fields}
    _, answer = runner.request(request)
    assert answer["event"] == "error" and "refusing" in answer["message"], answer
    assert runner.run(files=pytest_files("def test_ok():\n    pass\n"), targets=TARGETS)[1]["tests"][0]["outcome"] == "passed"


def test_a_keyword_selects_tests_and_the_harness_check_still_runs(runner):
    files = pytest_files("def test_one():\n    pass\n\ndef test_two():\n    assert False\n")
    _, done = runner.run(files=files, targets=TARGETS, keyword="one or (not two and not one)")
    assert [(t["nodeid"], t["outcome"]) for t in done["tests"]] == [("tests/test_it.py::test_one", "passed")]
    assert done["tampered"] is False and done["collected"] == ["tests/test_it.py::test_one"]


# -- the debugger (protocol 4) ---------------------------------------------------------------------

DEBUG_FILES = {"calc.py": "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n", "tests/test_calc.py": "from calc import total\n\ndef test_total():\n    assert total([1, 2]) == 4\n"}


def debug(runner: RunnerProcess, op: str, **fields) -> dict:
    _, answer = runner.request({"op": op, **fields}, timeout=30)
    if answer["event"] == "done":
        DebugAnswer.model_validate(answer)  # the channel on the server side must accept it
    return answer


def test_a_scoring_run_ends_a_live_session_first_and_no_session_starts_after_it(runner):
    start = debug(runner, "debug_start", files=DEBUG_FILES, target={"kind": "test", "test": "tests/test_calc.py::test_total"},
                  breakpoints=[{"path": "calc.py", "line": 4}])  # fmt: skip
    assert start["state"] == "stopped" and start["stop"]["location"] == {"path": "calc.py", "line": 4, "function": "total"}
    pid_alive = runner.run("python", files={}, code="print('x')", scoring=True)
    assert pid_alive[1]["status"] == "ok"
    assert debug(runner, "debug_command", command="n")["state"] == "none"  # ended by the scoring run
    refused = debug(runner, "debug_start", files=DEBUG_FILES, target={"kind": "python", "code": "x = 1"})
    assert refused["event"] == "error" and "recycled" in refused["message"]


def test_the_runner_refuses_bad_debugger_requests_and_never_hangs_on_them(runner):
    assert debug(runner, "debug_start", files={}, target={"kind": "shell"})["event"] == "error"
    assert debug(runner, "debug_start", files={}, target={"kind": "test", "test": "--collect-only"})["event"] == "error"
    assert debug(runner, "debug_command", command="n")["state"] == "none"
    debug(runner, "debug_start", files=DEBUG_FILES, target={"kind": "python", "code": "import calc\ny = calc.total([1])\n"})
    for command in ("interact", "n;;debug foo", "x" * 5000, "n\ns", 12):
        answer = debug(runner, "debug_command", command=command)
        assert answer["event"] == "error", (command, answer)
    assert debug(runner, "debug_command", command="n")["stop"]["location"]["line"] == 2
    stopped = debug(runner, "debug_stop")
    assert stopped["state"] == "ended" and stopped["ended"] == "debug_stop ended it"
    assert runner.ping()["runs"] == 1


def test_a_trace_run_reports_the_function_and_the_test(runner):
    _, done = runner.run("trace", files=DEBUG_FILES, targets=["tests/test_calc.py::test_total"], trace_function="total")
    assert [t["outcome"] for t in done["tests"]] == ["failed"]
    call = done["trace"]["calls"][0]
    assert call["args"] == {"xs": "[1, 2]"} and call["returned"] == "3"
    assert {"line": 4, "changed": {"s": "3"}} in call["steps"]


def test_a_tests_package_with_relative_imports_survives_the_warm_up(runner):
    # The warm-up's own run imports tests/test_warm_up.py in importlib mode, which leaves an empty
    # `tests` module behind; inherited by every run, it broke a project's real `tests` package.
    files = {
        "tests/__init__.py": "",
        "tests/_common.py": "TWO = 2\n",
        "tests/conftest.py": "from ._common import TWO\n",
        "tests/test_it.py": "from ._common import TWO\n\n\ndef test_two():\n    assert TWO == 2\n",
    }
    events, done = runner.run(files=files, targets=TARGETS, test_timeout_s=5)
    outcomes = {e["nodeid"]: e["outcome"] for e in events if e["event"] == "test"}
    assert outcomes == {"tests/test_it.py::test_two": "passed"}, (outcomes, done)


# -- the test guard: no false alarm on honest tests, a void run on rewritten ones ---------------

GUARD_HONEST_TESTS = """
import dataclasses, functools, sys
from unittest import mock
import pytest
from hypothesis import given, settings, strategies as st
from calc import add, evaluate, Point
from tests.base_tests import InheritedTests

class TestInherited(InheritedTests):
    pass

def test_plain():
    assert add(1, 2) == 3

@given(st.integers())
def test_hypothesis(x):
    assert add(x, 0) == x

@settings(max_examples=5, database=None)
@given(st.integers(min_value=0))
def test_hypothesis_failing_with_its_explain_phase(x):
    assert add(x, 1) == x

@mock.patch("os.getcwd", return_value="/nowhere")
def test_mock_patch(getcwd):
    import os
    assert os.getcwd() == "/nowhere"

def wrapping(f):
    @functools.wraps(f)
    def inner(*args, **kwargs):
        return f(*args, **kwargs)
    return inner

def not_wrapping(f):
    def inner():
        return f()
    return inner

@wrapping
def test_functools_wraps():
    assert add(2, 2) == 4

@not_wrapping
def test_decorator_without_wraps():
    assert add(0, 0) == 0

def make_test():
    def made():
        assert add(1, 1) == 2
    return made

test_from_a_factory = make_test()

class TestMethods:
    def test_method(self):
        assert add(3, 3) == 6

    @pytest.mark.parametrize("v", [1, 2])
    def test_parametrized(self, v):
        assert add(v, 0) == v

    @staticmethod
    def test_static():
        assert add(1, 0) == 1

def test_the_tests_may_trace_themselves():
    calls = []
    sys.settrace(lambda frame, event, arg: calls.append(event))
    add(1, 1)
    sys.settrace(None)
    assert calls

def test_code_under_test_compiles_and_makes_dataclasses():
    assert evaluate("1 + 2") == 3 and Point(1, 2).x == 1
"""

GUARD_HONEST_MODULE = """
import ast, collections, dataclasses

def add(a, b):
    return a + b

def evaluate(text):
    tree = ast.parse(text, "<expression>", "eval")
    return eval(compile(tree, "<expression>", "eval"), {})

@dataclasses.dataclass
class Point:
    x: int
    y: int

Pair = collections.namedtuple("Pair", "a b")
"""


def test_the_test_guard_raises_no_false_alarm_on_honest_tests(runner):
    """Hypothesis (passing and failing, with its explain phase), mock.patch, decorators with and
    without functools.wraps, a test factory, class methods, a base class of tests from a helper
    module pytest does not rewrite, parametrize, tests that trace
    themselves, and code under test that compiles, evals and makes dataclasses: none is flagged."""
    helper = "from calc import add\n\nclass InheritedTests:\n    def test_inherited(self):\n        assert add(1, 2) == 3\n"
    files = pytest_files(GUARD_HONEST_TESTS, **{"calc.py": GUARD_HONEST_MODULE, "tests/__init__.py": "", "tests/base_tests.py": helper})
    _, result = runner.run(files=files, targets=TARGETS, timeout_s=60, test_timeout_s=30)
    assert result["tampered"] is False, result
    outcomes = {name: t["outcome"] for name, t in by_id(result).items()}
    assert outcomes.pop("test_hypothesis_failing_with_its_explain_phase") == "failed"
    assert len(outcomes) == 13 and set(outcomes.values()) == {"passed"}, outcomes


GUARD_BUGGY = "def add(a, b):\n    return a - b\n"
GUARD_TESTS = "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"


@pytest.mark.parametrize(
    "hack, refused",
    [
        ("import sys\nsys.settrace(lambda *a: None)\nsys.settrace(None)\n", "called sys.settrace"),
        ("import ctypes\nctypes.pythonapi.PyEval_SetTrace\n", "reached the Python C API through ctypes (PyEval_SetTrace)"),
        ("import ctypes\nctypes.c_char.from_address(id(1))\n", "raw memory through ctypes"),
        ("def _f():\n    pass\n_f.__code__ = (lambda: None).__code__\n", "replaced a function's __code__"),
        ("import ast\nast.parse('x = 1', '/usr/lib/python3.11/os.py')\n", "claims to come from /usr/lib/python3.11/os.py"),
        ("_c = (lambda: None).__code__.replace(co_filename='/usr/lib/python3.11/os.py')\n", "claims to come from /usr/lib/python3.11/os.py"),
    ],
)
def test_the_test_guard_voids_a_run_whose_editable_code_does_what_no_fix_needs(runner, hack, refused):
    """Refused at the editable module's import even when the module catches the refusal: every
    test of the run is an error that says what was refused, and the run is tampered."""
    guarded = "try:\n" + "".join(f"    {line}\n" for line in hack.splitlines()) + "except Exception:\n    pass\n"
    _, result = runner.run(files=pytest_files(GUARD_TESTS, **{"calc.py": guarded + GUARD_BUGGY.replace("a - b", "a + b")}), targets=TARGETS)
    assert result["tampered"] is True, result
    assert [t["outcome"] for t in result["tests"]] == ["error", "error"]
    assert all(refused in t["message"] and "calc.py" in t["message"] for t in result["tests"]), result["tests"]


def test_the_test_guard_voids_a_run_whose_tests_were_swapped_in_memory(runner):
    """A test function replaced in the test module's namespace (no audited operation): not the
    code that module defined, so the run is void when the test is called."""
    swap = "import sys\n_m = sys.modules\n" + GUARD_BUGGY + (
        "def _noop():\n    return None\n"
        "def _later():\n"
        "    import _pytest.python, gc\n"
        "    for item in [o for o in gc.get_objects() if isinstance(o, _pytest.python.Function)]:\n"
        "        item.obj = _noop\n"
    )
    hook = "_real_add = add\ndef add(a, b):\n    _later()\n    return _real_add(a, b)\n"
    _, result = runner.run(files=pytest_files(GUARD_TESTS, **{"calc.py": swap + hook}), targets=TARGETS)
    assert result["tampered"] is True, result
    assert "test_add_zero is not the one its module defined" in result["tests"][1]["message"], result["tests"]
