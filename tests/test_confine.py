"""sandbox/confine.py: the local backend's confined runs (the OpenEnv image's runs), tried for real
from a run and from a process it starts: no network (against a listener that does answer the
control), no task pack, no other episode's files, no signal to the server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sandbox.base import RunRequest
from sandbox.confine import check
from sandbox.local import CONFINE_PATH, LocalProvider

SOCKETS = textwrap.dedent(
    """
    import json, socket, subprocess, sys
    def attempt(family, kind, address=None):
        try:
            s = socket.socket(family, kind)
            if address:
                s.connect(address)
            return "open"
        except OSError as exc:
            return exc.errno
    child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"], capture_output=True, text=True)
    print(json.dumps({
        "listener": attempt(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", PORT)),
        "udp": attempt(socket.AF_INET, socket.SOCK_DGRAM), "ipv6": attempt(socket.AF_INET6, socket.SOCK_STREAM),
        "netlink": attempt(socket.AF_NETLINK, socket.SOCK_RAW), "unix": attempt(socket.AF_UNIX, socket.SOCK_STREAM),
        "pair": len(socket.socketpair()), "child": "PermissionError" in child.stderr,
        "status": [l.split()[1] for l in open("/proc/self/status") if l.startswith(("NoNewPrivs", "Seccomp:"))],
    }))
    """
)


@pytest.fixture
def listener():
    """A TCP listener on loopback that answers any process allowed to connect."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


async def probe(provider: LocalProvider, port: int) -> dict:
    sandbox = await provider.acquire("ep_confine_test")
    try:
        code = SOCKETS.replace("PORT", str(port))
        result = await sandbox.run(RunRequest(kind="python", files={}, code=code, timeout_s=30))
        assert result.status == "ok", result
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        await sandbox.close()


@pytest.mark.anyio
async def test_a_confined_run_opens_no_socket_but_unix_ones_nor_do_its_children(listener):
    out = await probe(LocalProvider(confine=True), listener)
    assert [out[k] for k in ("listener", "udp", "ipv6", "netlink")] == [13] * 4  # EACCES, at socket() itself
    assert out["unix"] == "open" and out["pair"] == 2 and out["child"] is True
    assert out["status"] == ["1", "2"]  # no_new_privs, seccomp filter mode


@pytest.mark.anyio
async def test_the_control_a_default_local_run_reaches_the_listener(listener):
    out = await probe(LocalProvider(), listener)
    assert out["listener"] == "open" and out["child"] is False


@pytest.mark.anyio
async def test_tests_and_the_debugger_work_without_network(catalog):
    from environment.runtime import running
    from environment.service import DebugService, ServiceSettings

    service = DebugService(catalog, LocalProvider(confine=True), ServiceSettings())
    async with running(service):
        started = await service.start_task("binary_search_off_by_one", owner="me")
        ran = await service.run_tests(started.episode_id, None, owner="me")
        assert ran.total == 5 and ran.failed > 0
        debug = await service.debug_start(started.episode_id, "tests/test_binary_search.py", None, owner="me")
        assert "binary_search" in debug.text()


FILES = textwrap.dedent(
    """
    import json, os, signal, sys
    def attempt(action):
        try:
            action()
            return "allowed"
        except OSError as exc:
            return exc.errno
    pack, other, server = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps({
        "pack": attempt(lambda: os.listdir(pack)),
        "pack_file": attempt(lambda: open(os.path.join(pack, "solution.py")).read()),
        "other_episode": attempt(lambda: open(os.path.join(other, "secret.txt")).read()),
        "write_elsewhere": attempt(lambda: open(os.path.join(other, "planted.txt"), "w").write("x")),
        "own_dir": attempt(lambda: open(os.path.join(os.environ["TMPDIR"], "mine.txt"), "w").write("x")),
        "signal_server": attempt(lambda: os.kill(server, 0)),
        "stdlib": attempt(lambda: __import__("json")),
    }))
    """
)


@pytest.mark.anyio
async def test_a_confined_run_reads_no_pack_and_no_other_episode_and_signals_nobody(tmp_path):
    pack, other = tmp_path / "pack", tmp_path / "other-episode"
    pack.mkdir()
    other.mkdir()
    (pack / "solution.py").write_text("ANSWER = 42\n")
    (other / "secret.txt").write_text("hidden test")
    code = FILES
    for provider, confined in ((LocalProvider(confine=True, hide=(pack,)), True), (LocalProvider(), False)):
        sandbox = await provider.acquire("ep_confine_files")
        try:
            import os

            request = RunRequest(kind="python", files={}, code=_with_argv(code, str(pack), str(other), str(os.getpid())), timeout_s=30)
            result = await sandbox.run(request)
            out = json.loads(result.stdout.strip().splitlines()[-1])
        finally:
            await sandbox.close()
        if confined:
            assert out["pack"] == out["pack_file"] == out["other_episode"] == out["write_elsewhere"] == 13  # EACCES
            if landlock_abi() >= 6:  # signal scoping came with Landlock ABI 6 (Linux 6.12)
                assert out["signal_server"] == 1  # EPERM: the server is outside the run's domain
            assert out["own_dir"] == out["stdlib"] == "allowed"
        else:  # the control: the same code unconfined reaches all of it
            assert all(v == "allowed" for v in out.values()), out


def landlock_abi() -> int:
    import ctypes

    from sandbox.confine import LANDLOCK_CREATE_RULESET, LANDLOCK_CREATE_RULESET_VERSION, _libc

    return _libc().syscall(LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)


def _with_argv(code: str, *argv: str) -> str:
    return f"import sys; sys.argv = ['probe', *{list(argv)!r}]\n" + code


def test_check_reports_that_confinement_holds_here(tmp_path):
    assert check([tmp_path]) is None


def test_a_pack_under_a_directory_the_runs_need_cannot_be_hidden():
    """Landlock allows whole trees: a pack inside the Python tree would stay readable, so it is refused."""
    import sysconfig

    problem = check([__import__("pathlib").Path(sysconfig.get_paths()["stdlib"]) / "json"])
    assert problem is not None and "must stay hidden" in problem


def test_the_wrapper_refuses_to_run_a_command_it_cannot_confine():
    """A foreign architecture has no filter: the command must not run at all (exit 3, no output)."""
    code = (
        "import platform, runpy, sys; platform.machine = lambda: 'sparc'; "
        f"sys.argv = [{str(CONFINE_PATH)!r}, '--', sys.executable, '-c', 'print(\"ran\")']; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert done.returncode == 3 and "ran" not in done.stdout and "sparc" in done.stderr


SECRETS = textwrap.dedent(
    """
    import json, os
    runner = os.getppid()  # the run's parent is the runner, whose parent is the server
    server = int(open(f"/proc/{runner}/stat").read().rsplit(")", 1)[1].split()[1])
    def read(path):
        try:
            return open(path, "rb").read().decode(errors="replace")
        except OSError as exc:
            return exc.errno
    print("SECRETS" + json.dumps({"own": dict(os.environ), "runner": read(f"/proc/{runner}/environ"),
                                  "server": read(f"/proc/{server}/environ"), "server_cmdline": read(f"/proc/{server}/cmdline")}))
    """
)


def test_a_confined_run_finds_no_token_in_its_environment_nor_the_servers(monkeypatch):
    """The operator's bearer tokens sit in the server's environment (DEBUGBOX_AUTH_TOKENS): the runs
    get a scrubbed one, and the server's own /proc/PID/environ is closed to them (not dumpable)."""
    from harness.openenv_client import DebugboxEnv
    from tests.openenv_helpers import openenv_server

    token = "s3cret-" + "x" * 20
    monkeypatch.setenv("DEBUGBOX_AUTH_TOKENS", f"alice={token}")
    with openenv_server("--backend", "local", "--confine-runs") as (_, url):
        with DebugboxEnv(url, token=token) as env:
            env.reset(task_id="binary_search_off_by_one")
            obs, _, _ = env.step(("run_python", {"code": SECRETS}))
    out = json.loads(obs.structured["stdout"].split("SECRETS", 1)[1])
    assert "serve-openenv" in out["server_cmdline"]  # it found the server (the control: the pid is right)
    assert out["server"] == 13  # EACCES: the server is not dumpable
    assert token not in json.dumps(out["own"]) and (out["runner"] == 13 or token not in out["runner"])


LEAVE_BEHIND = textwrap.dedent(
    """
    import ctypes, json, os, sys
    marker, key = sys.argv[1], int(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    def attempt(action):
        try:
            result = action()
        except OSError as exc:
            return exc.errno
        return ctypes.get_errno() if result == -1 else "made"
    def shm_file():
        with open(f"/dev/shm/{marker}", "w") as f:
            f.write(marker)
    print("LEFT" + json.dumps({
        "shm_file": attempt(shm_file),
        "sysv_shm": attempt(lambda: libc.shmget(key, 4096, 0o1600)),
        "sysv_msg": attempt(lambda: libc.msgget(key, 0o1600)),
        "sysv_sem": attempt(lambda: libc.semget(key, 1, 0o1600)),
        "user_keyring": attempt(lambda: libc.syscall(ADD_KEY, b"user", marker.encode(), b"note", 4, -4)),  # KEY_SPEC_USER_KEYRING
    }))
    """
)

FIND = textwrap.dedent(
    """
    import ctypes, json, os, sys
    marker, key = sys.argv[1], int(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    print("FOUND" + json.dumps({
        "shm_file": os.path.exists(f"/dev/shm/{marker}"),
        "sysv": [getter(key, *rest) != -1 for getter, rest in ((libc.shmget, (0, 0)), (libc.msgget, (0,)), (libc.semget, (0, 0)))],
        "user_keyring": libc.syscall(REQUEST_KEY, b"user", marker.encode(), None, 0) != -1,
    }))
    """
)


@pytest.mark.anyio
async def test_an_episode_leaves_nothing_in_shared_memory_or_ipc_for_the_next(tmp_path):
    """/dev/shm, the IPC namespace and the uid's keyring are shared by every episode and outlive
    them: a file, System V object or key one episode left there, the next one read (found by the
    red team: all were open to confined runs). The runs now may create none."""
    import secrets
    import shutil

    marker, key = f"debugbox-leak-{secrets.token_hex(6)}", 0x5EC0000 + secrets.randbelow(0xFFFF)
    add_key, request_key = {"x86_64": (248, 249), "aarch64": (217, 218)}[__import__("platform").machine()]
    LEAVE = LEAVE_BEHIND.replace("ADD_KEY", str(add_key))
    FOUND = FIND.replace("REQUEST_KEY", str(request_key))
    provider = LocalProvider(confine=True)
    try:
        first = await provider.acquire("ep_leaves")
        try:
            left = await first.run(RunRequest(kind="python", files={}, code=_with_argv(LEAVE, marker, str(key)), timeout_s=30))
        finally:
            await first.close()
        second = await provider.acquire("ep_finds")
        try:
            found = await second.run(RunRequest(kind="python", files={}, code=_with_argv(FOUND, marker, str(key)), timeout_s=30))
        finally:
            await second.close()
        assert json.loads(left.stdout.split("LEFT", 1)[1]) == {"shm_file": 13, "sysv_shm": 13, "sysv_msg": 13, "sysv_sem": 13, "user_keyring": 13}  # EACCES
        assert json.loads(found.stdout.split("FOUND", 1)[1]) == {"shm_file": False, "sysv": [False, False, False], "user_keyring": False}
    finally:  # on a failure, leave nothing on this machine either
        Path(f"/dev/shm/{marker}").unlink(missing_ok=True)
        for kind in ("-M", "-Q", "-S"):
            if shutil.which("ipcrm"):
                subprocess.run(["ipcrm", kind, hex(key)], capture_output=True)
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        serial = libc.syscall(request_key, b"user", marker.encode(), None, 0)
        if serial > 0:
            libc.syscall(request_key + 1, 9, serial, -4)  # keyctl(KEYCTL_UNLINK, key, the user keyring)


@pytest.mark.anyio
async def test_a_confined_run_still_starts_processes_and_threads():
    """What refusing /dev/shm costs: POSIX semaphores (multiprocessing's locks, queues and pools)
    fail with a PermissionError the code sees; processes, pipes and threads still work."""
    code = textwrap.dedent(
        """
        import multiprocessing, json
        from concurrent.futures import ThreadPoolExecutor
        child = multiprocessing.Process(target=abs, args=(-1,)); child.start(); child.join()
        try:
            multiprocessing.Queue(); queue = "made"
        except PermissionError:
            queue = "refused"
        print("MP" + json.dumps({"process": child.exitcode, "threads": list(ThreadPoolExecutor(2).map(abs, [-2])), "queue": queue}))
        """
    )
    sandbox = await LocalProvider(confine=True).acquire("ep_processes")
    try:
        result = await sandbox.run(RunRequest(kind="python", files={}, code=code, timeout_s=30))
    finally:
        await sandbox.close()
    assert json.loads(result.stdout.split("MP", 1)[1]) == {"process": 0, "threads": [2], "queue": "refused"}


def _left_on_disk_after(remove) -> bool:
    """In a forked child running as a user chmod binds (root's capabilities would ignore it): build
    an episode directory whose runs locked nested directories (chmod 000), remove it, report
    whether anything is left."""
    import os
    import shutil
    import tempfile

    pid = os.fork()
    if pid == 0:  # the child: no return to pytest from here
        code = 2
        try:
            if os.getuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            root = tempfile.mkdtemp(prefix="debugbox-locked-")
            os.makedirs(os.path.join(root, "workspace", "a", "b"))
            open(os.path.join(root, "workspace", "a", "b", "f"), "w").close()
            os.chmod(os.path.join(root, "workspace", "a", "b"), 0)
            os.chmod(os.path.join(root, "workspace", "a"), 0)
            os.chmod(root, 0o500)
            remove(root)
            code = int(os.path.exists(root))
            if code:  # the control's leftovers: clean them up for real
                for path in (root, os.path.join(root, "workspace", "a"), os.path.join(root, "workspace", "a", "b")):
                    os.chmod(path, 0o700)
                shutil.rmtree(root, ignore_errors=True)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) in (0, 1)
    return os.WEXITSTATUS(status) == 1


def test_an_episode_directory_whose_runs_locked_it_is_still_removed():
    """Runs share the server's uid, so they can chmod 000 directories of their episode's directory
    (outside the workspace the runner wipes): the close's rmtree(ignore_errors) then left them in
    /tmp for good, one more per episode (red team)."""
    import shutil

    from sandbox.local import remove_tree

    assert _left_on_disk_after(lambda root: shutil.rmtree(root, ignore_errors=True))  # the control
    assert not _left_on_disk_after(lambda root: remove_tree(Path(root)))


def test_a_kernel_that_cannot_scope_signals_is_named_at_start(monkeypatch, caplog, tmp_path):
    """Before Landlock ABI 6 a confined run can still signal the server and other episodes'
    runners (one uid): the server says so rather than let the operator assume otherwise."""
    import argparse
    import logging

    import sandbox.confine as confine_module
    from cli import serve_openenv

    monkeypatch.setattr(confine_module, "protect_server", lambda: None)  # not this test process
    args = argparse.Namespace(confine_runs=True, tasks=[str(tmp_path)])
    monkeypatch.setattr(serve_openenv.os, "geteuid", lambda: 1000)
    for abi, warned in ((5, True), (6, False)):
        monkeypatch.setattr(confine_module, "landlock_abi", lambda abi=abi: abi)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="debugbox"):
            assert serve_openenv.confinement(args)[0] is True
        assert ("signalling the server" in caplog.text) is warned


@pytest.mark.anyio
async def test_a_confined_run_can_neither_read_nor_write_the_operators_terminal():
    """A server started from a terminal shares its uid with the runs: /dev was theirs to open, so a
    run read the operator's keystrokes from /dev/pts/N and wrote to their screen (red team)."""
    import os

    master, slave = os.openpty()  # the operator's terminal
    try:
        code = _with_argv(
            "import os, sys\ntry:\n    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)\n    os.write(fd, b'INJECTED')\n"
            "    print('TTY', os.read(fd, 100))\nexcept OSError as exc:\n    print('TTY', exc.errno)\n",
            os.ttyname(slave),
        )
        sandbox = await LocalProvider(confine=True).acquire("ep_terminal")
        try:
            os.write(master, b"operator-password\n")  # typed before the run reads
            result = await sandbox.run(RunRequest(kind="python", files={}, code=code, timeout_s=10))
        finally:
            await sandbox.close()
        assert result.stdout.split("TTY", 1)[1].strip() == "13"  # EACCES
        os.set_blocking(master, False)
        assert b"INJECTED" not in os.read(master, 1000)
    finally:
        os.close(master)
        os.close(slave)


def test_serving_as_root_is_named_at_start(monkeypatch, caplog, tmp_path):
    """Runs of a root server keep uid 0 (no capabilities), and ownership alone lets them read
    root-only files Landlock leaves readable (/etc/shadow: read from a confined run by the red team)."""
    import argparse
    import logging

    import sandbox.confine as confine_module
    from cli import serve_openenv

    monkeypatch.setattr(confine_module, "protect_server", lambda: None)
    monkeypatch.setattr(confine_module, "landlock_abi", lambda: 7)
    for uid, warned in ((0, True), (1000, False)):
        monkeypatch.setattr(serve_openenv.os, "geteuid", lambda uid=uid: uid)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="debugbox"):
            serve_openenv.confinement(argparse.Namespace(confine_runs=True, tasks=[str(tmp_path)]))
        assert ("serving as root" in caplog.text) is warned


FIND_THE_NEIGHBOUR = textwrap.dedent(
    """
    import os, sys
    neighbour = sys.argv[1]  # the test names it only to recognise it: a run learns it from /proc or not at all
    seen = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            seen.update(a.decode() for a in open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0"))
        except OSError:
            pass
    named = sorted(a for a in seen if a.startswith(neighbour))
    for path in named:
        try:
            os.chmod(path, 0)
        except OSError:
            pass
    print("NAMED", len(named))
    """
)


@pytest.mark.anyio
async def test_a_run_cannot_find_another_episodes_directory_to_lock_it():
    """Landlock has no right for chmod, and episodes share a uid: a run that read another episode's
    directory in its runner's command line (`--workdir /tmp/debugbox-.../workspace`, readable in
    /proc) chmod-ed it 000, and that episode's next run failed as a sandbox failure (red team).
    The command line now names it relatively to the runner's cwd, which /proc keeps from the runs."""
    provider = LocalProvider(confine=True)
    victim = await provider.acquire("ep_victim")
    attacker = await provider.acquire("ep_attacker")
    try:
        code = _with_argv(FIND_THE_NEIGHBOUR, str(victim._root))
        found = await attacker.run(RunRequest(kind="python", files={}, code=code, timeout_s=30))
        assert found.stdout.split("NAMED", 1)[1].strip() == "0"
        after = await victim.run(RunRequest(kind="python", files={"m.py": "X = 1\n"}, code="import m; print(m.X)", timeout_s=30))
        assert after.status == "ok" and after.stdout.strip() == "1"
    finally:
        await attacker.close()
        await victim.close()


REACH_FOR_THE_NEIGHBOUR = textwrap.dedent(
    """
    import ctypes, json, os, platform, sys
    pid = int(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    def errno_of(result):
        return ctypes.get_errno() if result == -1 else "allowed"
    def read(path):
        try:
            open(path, "rb").read(1)
            return "allowed"
        except OSError as exc:
            return exc.errno
    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]
    buffer = ctypes.create_string_buffer(8)
    local, remote = IoVec(ctypes.cast(buffer, ctypes.c_void_p), 8), IoVec(0x400000, 8)
    pidfd_open, pidfd_getfd = 434, 438  # the same numbers on x86_64 and aarch64
    pidfd = libc.syscall(pidfd_open, pid, 0)
    print("REACH" + json.dumps({
        "ptrace_attach": errno_of(libc.ptrace(16, pid, None, None)),  # PTRACE_ATTACH
        "process_vm_readv": errno_of(libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)),
        "pidfd_getfd": errno_of(libc.syscall(pidfd_getfd, pidfd, 0, 0)) if pidfd >= 0 else "no pidfd",
        "mem": read(f"/proc/{pid}/mem"), "environ": read(f"/proc/{pid}/environ"), "fd0": read(f"/proc/{pid}/fd/0"),
    }))
    """
)


@pytest.mark.anyio
async def test_a_confined_run_cannot_trace_or_read_another_episodes_runner():
    """ptrace, process_vm_readv, pidfd_getfd (another process's descriptors: its protocol pipe),
    /proc/PID/mem, environ and fd of another episode's runner, which shares the run's uid: all
    refused, by Landlock's scoping of ptrace access (each episode is its own domain)."""
    provider = LocalProvider(confine=True)
    victim = await provider.acquire("ep_traced")
    attacker = await provider.acquire("ep_tracer")
    try:
        code = _with_argv(REACH_FOR_THE_NEIGHBOUR, str(victim._process.pid))
        result = await attacker.run(RunRequest(kind="python", files={}, code=code, timeout_s=30))
    finally:
        await attacker.close()
        await victim.close()
    out = json.loads(result.stdout.split("REACH", 1)[1])
    assert out["ptrace_attach"] == out["process_vm_readv"] == out["pidfd_getfd"] == 1  # EPERM
    assert out["mem"] == out["environ"] == out["fd0"] == 13  # EACCES
