"""Hostile code against the Docker sandbox: DESIGN.md, Sandbox invariants 1-7, attacked for real.

Every attack runs twice: as code the agent writes into the editable module (placed at its top with
replace_lines, so it runs at import, while run_tests collects the visible tests) and as a run_python
snippet. For each one:
- the call returns a clear result within its time limit (the runner, not the server's safety
  margin, ends it);
- the episode stays usable: after undoing the edit, run_tests gives the unmodified code's normal
  result, in the same container (the runner survived);
- nothing persists: the next run sees no process but its own, no file outside its fresh workspace,
  no System V IPC object, and the workspace and /tmp have their space back.

The "probe" attacks end with `assert not breaches, breaches`: an attack that succeeded fails the
import (a collection error in run_tests) or the snippet (an exception in run_python).
The limits are short on purpose (a copy of the bundled task with a 6 s run limit and a 3 s snippet
limit) so the file runs in a few minutes on a 2-core machine.
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio
import docker
import pytest

from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from sandbox.docker.container import LABEL_INSTANCE
from sandbox.docker.provider import DockerProvider, DockerSandbox, DockerSettings
from tasks.loader import Catalog, load_task
from tests.conftest import require_docker

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_TASK = ROOT / "tasks" / "bundled" / "binary_search_off_by_one"
TASK = "hostile_binary_search"
MODULE = "binary_search.py"
RUN_TIMEOUT_S = 6.0  # run_tests: the task's run_timeout_s
TEST_TIMEOUT_S = 2.0  # run_tests: the task's test_timeout_s
SNIPPET_TIMEOUT_S = 3.0  # run_python: its timeout_s argument
# Beyond a limit, the runner kills every process of the run (a fork bomb takes a few sweeps) and
# answers; on a loaded 2-core machine that is well under this. The server's own safety margin
# (sandbox/channel.py) is 15 s, so a result inside this bound came from the runner.
KILL_MARGIN_S = 6.0
HONEST_VISIBLE = (4, 5)  # the unmodified code passes 4 of the 5 visible tests
HIDDEN_MARKER = f"hidden-tests-marker-{uuid.uuid4().hex}"
SOLUTION_MARKER = f"solution-marker-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def hostile_catalog(tmp_path_factory) -> Catalog:
    """The bundled binary-search task with short time limits, and a unique marker in its hidden
    tests and in its solution, so a search of the sandbox's whole filesystem can look for them."""
    task_dir = tmp_path_factory.mktemp("pack") / TASK
    shutil.copytree(BUNDLED_TASK, task_dir)
    spec = (task_dir / "task.toml").read_text()
    spec = spec.replace('id = "binary_search_off_by_one"', f'id = "{TASK}"')
    spec = spec.replace("test_timeout_s = 5", f"test_timeout_s = {TEST_TIMEOUT_S}").replace("run_timeout_s = 30", f"run_timeout_s = {RUN_TIMEOUT_S}")
    (task_dir / "task.toml").write_text(spec)
    for path, marker in ((task_dir / "hidden_tests" / "test_binary_search_hidden.py", HIDDEN_MARKER), (task_dir / "solution" / MODULE, SOLUTION_MARKER)):
        path.write_text(path.read_text() + f"\n# {marker}\n")
    task = load_task(task_dir)
    assert task.spec.run_timeout_s == RUN_TIMEOUT_S and HIDDEN_MARKER in str(task.hidden_test_files)
    catalog = Catalog()
    catalog.tasks[task.id] = task
    return catalog


@pytest.fixture
async def hostile(hostile_catalog):
    require_docker()
    provider = DockerProvider(DockerSettings(pool_size=0))
    # max_steps_limit: the neighbour test keeps two episodes busy for many steps (max_steps=1000).
    service = DebugService(hostile_catalog, provider, ServiceSettings(max_steps_limit=1000))
    async with running(service):
        yield service
    engine = docker.from_env()
    assert engine.api.containers(all=True, filters={"label": f"{LABEL_INSTANCE}={provider.instance}"}) == []


def container_of(service: DebugService, episode: str) -> str:
    return service.registry.handles[episode].sandbox.container.id


# -- what the next run must find: nothing left behind ----------------------------------------

LEFTOVER_PROBE = """
import json, os
me = os.getpid()
processes = {}
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) not in (1, me):
        try:
            processes[pid] = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode(errors="replace")
        except OSError:
            processes[pid] = "?"
def free_share(path):
    s = os.statvfs(path)
    return s.f_bavail / s.f_blocks
print(json.dumps({
    "processes": processes,
    "outside_workspace": {d: sorted(os.listdir(d)) for d in ("/workspace", "/tmp", "/dev/shm", "/dev/mqueue")},
    "workspace": sorted(os.path.relpath(os.path.join(r, f)) for r, _, fs in os.walk(".") for f in fs),
    "ipc": {k: open(f"/proc/sysvipc/{k}").read().splitlines()[1:] for k in ("shm", "msg", "sem")},
    "free": {d: free_share(d) for d in ("/workspace", "/tmp", "/dev/shm")},
}))
"""


async def assert_nothing_persists(service: DebugService, episode: str) -> None:
    """Invariant 4: the next run starts clean."""
    probe = await service.run_python(episode, LEFTOVER_PROBE, 20, owner=LOCAL_OWNER)
    assert probe.exception is None, probe.traceback
    found = json.loads(probe.stdout)
    assert found["processes"] == {}, "a process of an earlier run is still alive"
    assert found["outside_workspace"] == {"/workspace": ["run"], "/tmp": [], "/dev/shm": [], "/dev/mqueue": []}
    assert found["workspace"] == sorted(service.episode(episode, owner=LOCAL_OWNER).workspace_files())
    assert found["ipc"] == {"shm": [], "msg": [], "sem": []}
    assert all(share > 0.9 for share in found["free"].values()), found["free"]


async def assert_usable(service: DebugService, episode: str, container: str) -> None:
    """The episode goes on in the same container: the runner survived, the code gives its normal result."""
    again = await service.run_tests(episode, owner=LOCAL_OWNER)
    assert (again.passed, again.total, again.status) == (*HONEST_VISIBLE, "ok"), again.text()
    assert container_of(service, episode) == container, "the runner must survive the attack"


# -- the attacks ------------------------------------------------------------------------------

FORK_BOMB = """
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
"""

MEMORY_BOMB = """
hog = []
while True:
    hog.append(b"x" * (64 * 2**20))
"""

CPU_SPIN = """
while True:
    pass
"""

OUTPUT_FLOOD = """
import sys
while True:
    sys.stdout.write("flood " * 10000)
    sys.stderr.write("flood " * 10000)
"""

FILL_THE_DISKS = """
import os
for d in (".", "/tmp", "/dev/shm", "/workspace"):
    try:
        with open(os.path.join(d, "filler.bin"), "wb") as f:
            while True:
                f.write(b"\\0" * 2**20)
    except OSError:
        pass
"""

DAEMONS = """
import os, subprocess, time
subprocess.Popen(["sleep", "600"], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(6000):
            for d in ("/tmp", "/dev/shm", "/workspace"):
                try:
                    open(os.path.join(d, "daemon_was_here"), "a").write("x")
                except OSError:
                    pass
            time.sleep(0.01)
    os._exit(0)
"""

SIGNALS_TO_THE_RUNNER = """
import os, signal
for target in (1, os.getppid()):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(target, sig)
        except OSError:
            pass
try:
    os.kill(-1, signal.SIGKILL)  # every process we may signal but ourselves (init is spared)
except OSError:
    pass
breaches = []
"""

NETWORK = """
import os, socket
def tcp(host, port):
    socket.create_connection((host, port), timeout=2).close()
def udp(host, port):
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (host, port))
attempts = {
    "tcp to 1.1.1.1:53": lambda: tcp("1.1.1.1", 53),
    "tcp to the Docker host 172.17.0.1:2375": lambda: tcp("172.17.0.1", 2375),
    "tcp over IPv6": lambda: tcp("2606:4700:4700::1111", 53),
    "udp to 8.8.8.8:53": lambda: udp("8.8.8.8", 53),
    "dns lookup": lambda: socket.getaddrinfo("example.com", 80),
    "raw socket (CAP_NET_RAW)": lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "the Docker socket": lambda: socket.socket(socket.AF_UNIX).connect("/var/run/docker.sock"),
}
breaches = []
for name, attempt in attempts.items():
    try:
        attempt()
        breaches.append(name)
    except OSError:
        pass
interfaces = sorted(os.listdir("/sys/class/net"))
if interfaces != ["lo"]:
    breaches.append(f"network interfaces {interfaces}")
"""

HOST_FILES = """
import glob, os, socket
breaches = []
try:
    open("/etc/shadow").read()
    breaches.append("read /etc/shadow")
except OSError:
    pass
for path in ("/var/run/docker.sock", "/run/docker.sock", HOST_REPO, os.path.join(HOST_REPO, "tasks")):
    if os.path.exists(path):
        breaches.append(f"sees the host's {path}")
if socket.gethostname() == HOST_NAME:
    breaches.append("has the host's hostname")
if "runner.py" not in open("/proc/1/cmdline").read():
    breaches.append("pid 1 is not the sandbox's runner: the host's processes are visible")
for path in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        cmdline = open(path, "rb").read()
    except OSError:
        continue
    if b"dockerd" in cmdline or b"pytest" in cmdline:
        breaches.append(f"sees a host process: {cmdline[:80]!r}")
for path in glob.glob("/proc/[0-9]*/environ"):
    try:
        if HOST_SECRET.encode() in open(path, "rb").read():
            breaches.append(f"{path} holds the host's environment")
    except OSError:
        pass
if HOST_SECRET in str(os.environ):
    breaches.append("the host's environment leaked in")
"""

WRITE_OUTSIDE_THE_WORKSPACE = """
import os
breaches = []
for path in ("/etc/owned", "/usr/owned", "/opt/debugbox/runner.py", "/opt/debugbox/owned", "/root/owned",
             "/home/owned", "/var/tmp/owned", "/owned", "/proc/owned", "/sys/owned", "/etc/hostname"):
    try:
        with open(path, "a") as f:
            f.write("owned")
        breaches.append(f"wrote {path}")
    except OSError:
        pass
for fd in range(16):  # the runner's pipes, its protocol stream to the server among them
    try:
        os.close(os.open(f"/proc/1/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK))
        breaches.append(f"opened the runner's fd {fd} for writing")
    except OSError:
        pass
for path in ("/dev/shm/kept", "/tmp/kept", "/workspace/kept", os.path.join(os.environ["HOME"], "kept")):
    open(path, "w").write("writable, but gone before the next run")
# Kernel objects that outlive processes: also gone before the next run.
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT = 0o1000
assert libc.shmget(0x6b657074, 4096, IPC_CREAT | 0o600) >= 0 and libc.msgget(0x6b657074, IPC_CREAT | 0o600) >= 0
assert libc.semget(0x6b657074, 1, IPC_CREAT | 0o600) >= 0
assert libc.mq_open(b"/kept", os.O_CREAT | os.O_RDWR, 0o600, None) >= 0
"""

PYTEST_AND_SITE_PACKAGES = """
import os, site, sys, sysconfig
import _pytest, pytest
breaches = []
targets = [os.path.join(os.path.dirname(pytest.__file__), "pytest_owned.py"),
           os.path.join(os.path.dirname(_pytest.__file__), "runner.py"),
           os.path.join(os.path.dirname(_pytest.__file__), "python.py")]
for directory in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}:
    targets += [os.path.join(directory, "sitecustomize.py"), os.path.join(directory, "zz_owned.pth")]
targets += [os.path.join(sys.prefix, "lib", "owned.py"), os.path.join(os.path.dirname(os.__file__), "sitecustomize.py")]
for path in targets:
    try:
        with open(path, "a") as f:
            f.write("\\nraise SystemExit('owned')\\n")
        breaches.append(f"wrote {path}")
    except OSError:
        pass
"""

READ_HIDDEN_TESTS_OR_SOLUTION = """
import os
breaches = []
# Hex in this code: the editable module holding it is on disk too, and must not match itself.
markers = (bytes.fromhex(HIDDEN_MARKER_HEX), bytes.fromhex(SOLUTION_MARKER_HEX))
for root, dirs, files in os.walk("/"):
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    for name in files:
        path = os.path.join(root, name)
        try:
            if os.path.islink(path) or os.path.getsize(path) > 8 * 2**20:
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if any(m in data for m in markers):
            breaches.append(path)
for path in ("/proc/1/cmdline", "/proc/1/environ", "/proc/1/mem"):
    try:
        if any(m in open(path, "rb").read(1 << 20) for m in markers):
            breaches.append(path)
    except OSError:
        pass
"""

ESCALATE_PRIVILEGES = """
import ctypes, os, shutil, socket, subprocess, sys
breaches = []
if 0 in (os.getuid(), os.geteuid(), os.getgid(), os.getegid()):
    breaches.append("runs as root")
for command in (["su", "-c", "id -u"], ["sudo", "-n", "id", "-u"], ["mount", "-t", "tmpfs", "none", "/mnt"]):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)
        if done.returncode == 0:
            breaches.append(" ".join(command))
    except (OSError, subprocess.TimeoutExpired):
        pass
for become_root in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.seteuid(0)):
    try:
        become_root()
        breaches.append("setuid/setgid to 0")
    except OSError:
        pass
try:  # a setuid copy of the interpreter: the workspace is nosuid and noexec, no_new_privs holds anyway
    shutil.copy(sys.executable, "python-suid")
    os.chmod("python-suid", 0o4755)
    done = subprocess.run(["./python-suid", "-c", "import os; print(os.geteuid())"], capture_output=True, text=True, timeout=5)
    if done.stdout.strip() == "0":
        breaches.append("a chmod u+s binary ran as root")
except (OSError, subprocess.TimeoutExpired):
    pass
status = open("/proc/self/status").read()
for field in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
    value = [line.split()[1] for line in status.splitlines() if line.startswith(field + ":")][0]
    if int(value, 16):
        breaches.append(f"capabilities {field} {value}")
if "NoNewPrivs:\\t1" not in status:
    breaches.append("no_new_privs is off")
try:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    breaches.append("CAP_NET_RAW (packet socket)")
except OSError:
    pass
libc = ctypes.CDLL(None, use_errno=True)
if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0:
    breaches.append("mount (CAP_SYS_ADMIN)")
if libc.unshare(0x10000000) == 0:
    breaches.append("a new user namespace")
if libc.ptrace(16, 1, 0, 0) == 0:  # PTRACE_ATTACH to the runner: it is not dumpable
    breaches.append("ptrace the runner")
try:
    os.close(os.open("/proc/1/mem", os.O_RDWR))
    breaches.append("open the runner's memory")
except OSError:
    pass
if libc.chroot(b"/tmp") == 0:
    breaches.append("chroot (CAP_SYS_CHROOT)")
"""


@dataclass(frozen=True)
class Attack:
    code: str
    invariants: str  # of DESIGN.md, Sandbox invariants
    proves: str
    probe: bool = False  # ends with `assert not breaches, breaches`


ATTACKS = {
    "fork bomb": Attack(FORK_BOMB, "2, 4", "the pids cap holds the bomb; at the run's limit every fork is killed"),
    "memory bomb": Attack(MEMORY_BOMB, "2", "the memory cap: the cgroup kills the run's process, never the runner"),
    "CPU spin": Attack(CPU_SPIN, "2", "wall time per run: an endless loop is stopped at the run's limit"),
    "endless output": Attack(OUTPUT_FLOOD, "2", "bytes of output returned: the tail is kept, truncation is marked"),
    "filling the disks": Attack(FILL_THE_DISKS, "2, 4", "workspace size: the tmpfs caps hold and the space comes back"),
    "daemons that outlive the run": Attack(DAEMONS, "4", "every process a run started is dead when it returns"),
    "signals to the runner": Attack(SIGNALS_TO_THE_RUNNER, "4", "the runner that enforces it (PID 1) survives every signal", probe=True),
    "network sockets": Attack(NETWORK, "1", "no network: no interface but lo, no DNS, no Docker socket", probe=True),
    "reading the host's files": Attack(HOST_FILES, "3", "the container sees none of the host: files, processes, hostname, env", probe=True),
    "writing outside the workspace": Attack(WRITE_OUTSIDE_THE_WORKSPACE, "3, 4", "read-only root; writable scratch and IPC wiped", probe=True),
    "changing pytest or site-packages": Attack(PYTEST_AND_SITE_PACKAGES, "3", "the interpreter, pytest and site-packages are read-only", probe=True),
    "reading hidden tests or the solution": Attack(READ_HIDDEN_TESTS_OR_SOLUTION, "5", "hidden tests enter only at submit", probe=True),
    "escalating privileges": Attack(ESCALATE_PRIVILEGES, "3", "non-root, no capabilities, no-new-privileges, runner untraceable", probe=True),
}


def hostile_code(attack: Attack) -> str:
    facts = f"HOST_NAME = {socket.gethostname()!r}\nHOST_REPO = {str(ROOT)!r}\nHOST_SECRET = {HOST_SECRET!r}\n"
    facts += f"HIDDEN_MARKER_HEX = {HIDDEN_MARKER.encode().hex()!r}\nSOLUTION_MARKER_HEX = {SOLUTION_MARKER.encode().hex()!r}\n"
    return facts + attack.code + ("\nassert not breaches, breaches\n" if attack.probe else "")


# In the server's environment (and so in any process it starts): it must not reach a container.
HOST_SECRET = f"host-secret-{uuid.uuid4().hex}"


def check_run_tests(name: str, result, elapsed: float) -> None:
    assert elapsed < RUN_TIMEOUT_S + KILL_MARGIN_S, f"{name}: run_tests took {elapsed:.1f} s"
    if ATTACKS[name].probe or name in ("daemons that outlive the run", "filling the disks"):
        # The attack failed (or, for full disks, did no harm): the tests gave their normal result.
        assert (result.passed, result.total, result.status) == (*HONEST_VISIBLE, "ok"), result.text()
        assert result.collection_errors == []
        return
    assert result.total == HONEST_VISIBLE[1] and result.passed == 0, result.text()
    if name in ("fork bomb", "CPU spin"):
        assert result.status == "timeout" and "time limit" in result.text()
    elif name == "memory bomb":
        assert result.status == "crashed" and "killed" in result.text()
    elif name == "endless output":
        # pytest captures collection output in a file in the workspace: the tmpfs fills up and the
        # write fails (a collection error), unless the run's time limit comes first.
        assert result.status == "timeout" or result.collection_errors, result.text()
        assert len(result.output_tail) <= 16_000


def check_run_python(name: str, result, elapsed: float) -> None:
    assert elapsed < SNIPPET_TIMEOUT_S + KILL_MARGIN_S, f"{name}: run_python took {elapsed:.1f} s"
    if ATTACKS[name].probe or name in ("filling the disks", "daemons that outlive the run"):
        assert result.exception is None and not result.timed_out, result.text()
    elif name in ("fork bomb", "CPU spin"):
        assert result.timed_out and "TIMED OUT" in result.text()
    elif name == "memory bomb":
        assert result.killed_by_signal == 9 and "memory limit" in result.text()
    elif name == "endless output":
        assert result.timed_out and result.output_truncated and " cut ...]" in result.text()
        assert 0 < len(result.stdout) <= 16_000 and len(result.stderr) <= 16_000


@pytest.mark.parametrize("via", ["run_tests", "run_python"])
@pytest.mark.parametrize("name", [pytest.param(name, id=f"{name} (invariant {a.invariants})") for name, a in ATTACKS.items()])
async def test_hostile_code_gets_a_clear_result_in_time_and_leaves_nothing_behind(hostile, name, via, monkeypatch):
    """Invariants 1-5, one attack each (its test id and ATTACKS name which invariant and what it
    proves); and after every attack, invariant 4 (nothing persists) and the episode goes on."""
    monkeypatch.setenv("DEBUGBOX_HOST_SECRET", HOST_SECRET)
    episode = (await hostile.start_task(TASK, owner=LOCAL_OWNER)).episode_id
    container = container_of(hostile, episode)
    code = hostile_code(ATTACKS[name])
    started = time.monotonic()
    if via == "run_tests":
        await hostile.replace_lines(episode, 1, 0, code, MODULE, owner=LOCAL_OWNER)  # inserted above line 1
        result = await hostile.run_tests(episode, owner=LOCAL_OWNER)
        check_run_tests(name, result, time.monotonic() - started)
        await hostile.undo(episode, owner=LOCAL_OWNER)
    else:
        result = await hostile.run_python(episode, code, SNIPPET_TIMEOUT_S, owner=LOCAL_OWNER)
        check_run_python(name, result, time.monotonic() - started)
    await assert_nothing_persists(hostile, episode)
    await assert_usable(hostile, episode, container)


async def test_hidden_tests_and_solution_never_reach_the_sandbox_before_submit(hostile, monkeypatch):
    """Invariant 5, at the boundary: of every request the server sends the sandbox, only submit's
    holds the hidden tests, and none ever holds the solution."""
    sent: list = []
    original = DockerSandbox.run

    async def recording(self, request, on_event=None):
        sent.append(request)
        return await original(self, request, on_event)

    monkeypatch.setattr(DockerSandbox, "run", recording)
    episode = (await hostile.start_task(TASK, owner=LOCAL_OWNER)).episode_id
    await hostile.run_tests(episode, owner=LOCAL_OWNER)
    await hostile.run_python(episode, "print(open('binary_search.py').read())", SNIPPET_TIMEOUT_S, owner=LOCAL_OWNER)
    submitted = await hostile.submit(episode, owner=LOCAL_OWNER)
    assert len(sent) == 3 and submitted.hidden_total == 11

    def carries(request, marker: str) -> bool:
        return any(marker in text for text in request.files.values()) or marker in request.code

    assert not any(path.startswith("hidden_tests/") for request in sent[:-1] for path in request.files)
    assert not any(carries(request, HIDDEN_MARKER) for request in sent[:-1])
    assert carries(sent[-1], HIDDEN_MARKER) and all(t.startswith("hidden_tests/") for t in sent[-1].targets)
    assert not any(carries(request, SOLUTION_MARKER) for request in sent)


# -- invariant 7: a hostile episode does not slow its neighbour ----------------------------------

NEIGHBOUR_ATTACKS = ["fork bomb", "CPU spin", "memory bomb", "endless output"]
SLOWDOWN_FACTOR = 5.0
SLOWDOWN_ALLOWANCE_S = 1.5


async def neighbour_latencies(service: DebugService, episode: str, rounds: int) -> tuple[list[float], list[float]]:
    views, runs = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        await service.view_code(episode, None, None, None, owner=LOCAL_OWNER)
        views.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = await service.run_tests(episode, owner=LOCAL_OWNER)
        runs.append(time.perf_counter() - started)
        assert (result.passed, result.total) == HONEST_VISIBLE, result.text()
    return views, runs


def bound(baseline_p50: float) -> float:
    return max(SLOWDOWN_FACTOR * baseline_p50, baseline_p50 + SLOWDOWN_ALLOWANCE_S)


async def test_a_hostile_episode_does_not_slow_its_neighbour(hostile):
    """Invariant 7: while one episode runs a fork bomb, a CPU spin, a memory bomb or an output
    flood (back to back, for the whole measurement), a second episode's view_code and run_tests
    keep a median latency of at most max(5 x its idle median, idle median + 1.5 s).

    The bound is loose on purpose: the machine has 2 cores, each container may use 1, and another
    workload may share the engine; a sandbox that failed to contain the attack (a stalled server,
    a starved engine, a neighbour that has to wait for the attack's runs) breaks it by far."""
    attacker = (await hostile.start_task(TASK, max_steps=1000, owner=LOCAL_OWNER)).episode_id
    neighbour = (await hostile.start_task(TASK, max_steps=1000, owner=LOCAL_OWNER)).episode_id
    await neighbour_latencies(hostile, neighbour, 2)  # warm both sides up
    idle_views, idle_runs = await neighbour_latencies(hostile, neighbour, 8)
    idle = {"view_code": statistics.median(idle_views), "run_tests": statistics.median(idle_runs)}

    for name in NEIGHBOUR_ATTACKS:
        stop = anyio.Event()
        attacks_done = 0

        async def attack() -> None:
            nonlocal attacks_done
            while not stop.is_set():
                await hostile.run_python(attacker, ATTACKS[name].code, SNIPPET_TIMEOUT_S, owner=LOCAL_OWNER)
                attacks_done += 1

        async with anyio.create_task_group() as group:
            group.start_soon(attack)
            await anyio.sleep(0.5)  # let the attack get going
            views, runs = await neighbour_latencies(hostile, neighbour, 10)
            stop.set()
        assert attacks_done >= 1
        under_attack = {"view_code": statistics.median(views), "run_tests": statistics.median(runs)}
        for step, p50 in under_attack.items():
            assert p50 <= bound(idle[step]), f"{name}: {step} p50 {p50:.3f} s under attack, {idle[step]:.3f} s idle"
