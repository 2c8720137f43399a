"""The Docker backend against a real engine: each sandbox invariant of DESIGN.md, the warm pool,
and cleanup on every path (submit, idle, shutdown, a dead server, `debugbox cleanup`)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import anyio
import docker
import pytest
from mcp import Client

from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from sandbox.docker.container import LABEL, LABEL_EPISODE, LABEL_INSTANCE, LABEL_OWNER
from sandbox.docker.provider import DockerProvider, DockerSettings
from sandbox.docker.reaper import owner_tag, reap_orphans
from tests.conftest import require_docker
from tests.helpers import http_server

pytestmark = pytest.mark.anyio
TASK = "binary_search_off_by_one"


@pytest.fixture
def engine() -> docker.DockerClient:
    require_docker()
    return docker.from_env()


def containers_of(engine, instance: str) -> list[dict]:
    return engine.api.containers(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"})


async def wait_for(predicate, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await anyio.sleep(0.1)


@pytest.fixture
async def docker_service(engine, catalog):
    provider = DockerProvider(DockerSettings(pool_size=1))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service):
        yield service
    assert containers_of(engine, provider.instance) == [], "shutdown must remove every container"


async def snippet(service: DebugService, episode: str, code: str) -> str:
    result = await service.run_python(episode, code, 20, owner=LOCAL_OWNER)
    assert result.exception is None, result.traceback
    return result.stdout


async def test_container_is_hardened_and_labelled(docker_service, engine):
    """Invariants 1, 2, 3 and 6 as the engine records them."""
    start = await docker_service.start_task(TASK, owner=LOCAL_OWNER)
    sandbox = docker_service.registry.handles[start.episode_id].sandbox
    info = engine.api.inspect_container(sandbox.container.id)
    host, config = info["HostConfig"], info["Config"]
    assert host["NetworkMode"] == "none" and config["NetworkDisabled"]
    assert host["CapDrop"] == ["ALL"] and "no-new-privileges" in host["SecurityOpt"]
    assert host["ReadonlyRootfs"] and set(host["Tmpfs"]) == {"/workspace", "/tmp"}
    assert host["Memory"] == 512 * 2**20 and host["MemorySwap"] == 512 * 2**20
    assert host["PidsLimit"] == 128 and host["NanoCpus"] == 10**9
    assert config["User"] == "65534:65534"
    labels = config["Labels"]
    assert labels[LABEL] == "1" and labels[LABEL_INSTANCE] == docker_service.provider.instance
    assert labels[LABEL_OWNER].split(":")[1] == str(__import__("os").getpid())
    assert labels[LABEL_EPISODE] in (start.episode_id, "pool")
    assert "--lifetime" in config["Cmd"]


async def test_inside_the_sandbox_no_network_no_root_no_writes(docker_service):
    """Invariants 1 and 3, seen from the agent's side."""
    episode = (await docker_service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
    out = await snippet(
        docker_service,
        episode,
        """
import os, socket
print("uid", os.getuid())
status = open("/proc/self/status").read()
print("caps", [l.split()[1] for l in status.splitlines() if l.startswith("CapEff")][0])
print("nonewprivs", [l.split()[1] for l in status.splitlines() if l.startswith("NoNewPrivs")][0])
print("ifaces", sorted(os.listdir("/sys/class/net")))
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    print("net open")
except OSError as e:
    print("net blocked")
for path in ("/etc/owned", "/usr/lib/owned", "/opt/debugbox/runner.py"):
    try:
        open(path, "w").write("x")
        print("wrote", path)
    except OSError:
        print("refused", path)
""",
    )
    assert "uid 65534" in out and "caps 0000000000000000" in out and "nonewprivs 1" in out
    assert "ifaces ['lo']" in out and "net blocked" in out
    assert "wrote" not in out and out.count("refused") == 3


async def test_every_run_starts_clean_and_leaves_no_process(docker_service):
    """Invariant 4: files and processes of one run are gone in the next."""
    episode = (await docker_service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
    await snippet(
        docker_service,
        episode,
        """
import subprocess
for d in ("/tmp", "."):
    open(d + "/leftover", "w").write("x")
subprocess.Popen(["sleep", "600"], start_new_session=True)
subprocess.Popen(["sh", "-c", "(sleep 600 &) ; exit 0"])
""",
    )
    out = await snippet(
        docker_service,
        episode,
        """
import os
print("files", [p for p in ("/tmp/leftover", "leftover", "../leftover") if os.path.exists(p)])
procs = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            procs.append(open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode().strip())
        except OSError:
            pass
print("sleepers", [p for p in procs if p.startswith("sleep")])
""",
    )
    assert "files []" in out and "sleepers []" in out


async def test_memory_and_pids_caps_keep_the_episode_usable(docker_service):
    """Invariant 2: a memory bomb and a fork bomb end in a clear result; the next run works."""
    episode = (await docker_service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
    container = docker_service.registry.handles[episode].sandbox.container.id
    bomb = await docker_service.run_python(episode, "x = bytearray(2 * 1024**3)", 20, owner=LOCAL_OWNER)
    assert bomb.exception and "MemoryError" in bomb.exception  # past the address-space cap
    oom = await docker_service.run_python(episode, "x = b'x' * (900 * 1024**2)", 20, owner=LOCAL_OWNER)
    assert oom.killed_by_signal == 9 and "memory limit" in oom.text()  # past the cgroup's 512 MiB
    runner = await docker_service.run_python(episode, "import os, signal\nfor s in (signal.SIGTERM, signal.SIGKILL):\n    os.kill(1, s)\nprint('alive')", 5, owner=LOCAL_OWNER)
    assert runner.stdout.strip() == "alive"
    forks = await docker_service.run_python(
        episode, "import os\nfor _ in range(10000):\n    try:\n        os.fork() or __import__('time').sleep(30)\n    except OSError:\n        break\n", 5, owner=LOCAL_OWNER
    )
    assert forks.step == 4
    again = await docker_service.run_tests(episode, owner=LOCAL_OWNER)
    assert again.total > 0 and again.status == "ok"
    assert docker_service.registry.handles[episode].sandbox.container.id == container, "the runner must survive all of it"


async def test_hard_lifetime_ends_the_container_and_the_episode_carries_on(engine, catalog):
    """Invariant 6: the container exits by itself; the episode (which holds the code) gets a new one."""
    provider = DockerProvider(DockerSettings(pool_size=0, lifetime_s=2))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service):
        start = await service.start_task(TASK, owner=LOCAL_OWNER)
        first = service.registry.handles[start.episode_id].sandbox.container.id
        await wait_for(lambda: not engine.api.containers(all=True, filters={"id": first}), timeout_s=20)
        result = await service.run_tests(start.episode_id, owner=LOCAL_OWNER)
        assert result.total > 0
        assert service.registry.handles[start.episode_id].sandbox.container.id != first


async def test_warm_pool_hands_out_ready_containers_and_refills(engine, catalog):
    provider = DockerProvider(DockerSettings(pool_size=2))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service):
        await wait_for(lambda: provider.status()["pool_idle"] == 2)
        episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        status = service.status()["sandbox"]
        assert status["hits"] == 1 and status["misses"] == 0 and status["claim_ms_p50"] is not None
        await wait_for(lambda: provider.status()["pool_idle"] == 2)
        assert len(containers_of(engine, provider.instance)) == 3
        assert (await service.run_tests(episode, owner=LOCAL_OWNER)).total > 0


async def test_submit_and_idle_timeout_remove_the_container(engine, catalog):
    provider = DockerProvider(DockerSettings(pool_size=0))
    service = DebugService(catalog, provider, ServiceSettings(idle_timeout_s=60))
    async with running(service):
        submitted = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        idle = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        assert len(containers_of(engine, provider.instance)) == 2
        await service.submit(submitted, owner=LOCAL_OWNER)
        await wait_for(lambda: len(containers_of(engine, provider.instance)) == 1)
        await service.registry.sweep(now=time.monotonic() + 61)
        await wait_for(lambda: containers_of(engine, provider.instance) == [])
        assert service.episode(idle, owner=LOCAL_OWNER).end_reason == "idle_timeout"


def _orphan(engine, owner: str) -> str:
    """A running container labelled as if a server (now gone) had made it."""
    created = engine.api.create_container(
        "debugbox-sandbox:latest",
        entrypoint=["sleep", "600"],
        command=[],
        labels={LABEL: "1", LABEL_INSTANCE: "dead-instance", LABEL_OWNER: owner, LABEL_EPISODE: "ep_x"},
        host_config=engine.api.create_host_config(network_mode="none"),
    )
    engine.api.start(created["Id"])
    return created["Id"]


async def test_sigkilled_server_leaves_nothing_after_a_restart(engine):
    """Invariant 6: SIGKILL the server mid-episode, start it again: no container of the dead one survives."""
    import socket

    fake_orphan = _orphan(engine, f"{socket.gethostname()}:999999999:1")
    with http_server("--backend", "docker") as (process, url):
        async with Client(url) as client:
            started = await client.call_tool("start_task", {"task_id": TASK})
            assert not started.is_error
            status = json.loads((await client.read_resource("debugbox://status")).contents[0].text)
        dead_instance = status["sandbox"]["instance"]
        assert containers_of(engine, dead_instance)
        assert not engine.api.containers(all=True, filters={"id": fake_orphan}), "startup must reap orphans"
        process.send_signal(signal.SIGKILL)
        process.wait()
    with http_server("--backend", "docker") as (process, url):
        async with Client(url) as client:
            await client.list_tools()
        await wait_for(lambda: containers_of(engine, dead_instance) == [], timeout_s=30)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_startup_reaping_spares_a_live_servers_container_that_is_not_started_yet(engine):
    """Invariant 6, its other side: a container a live server has created but not yet started is
    not an orphan; reaping it raced with the server that was starting it (a neighbour's
    sandbox died at birth whenever a second server started on the machine)."""
    created = engine.api.create_container(
        "debugbox-sandbox:latest",
        entrypoint=["sleep", "600"],
        command=[],
        labels={LABEL: "1", LABEL_INSTANCE: "live-instance", LABEL_OWNER: owner_tag(), LABEL_EPISODE: "ep_x"},
        host_config=engine.api.create_host_config(network_mode="none"),
    )
    try:
        assert engine.api.inspect_container(created["Id"])["State"]["Status"] == "created"
        reap_orphans(engine)
        assert engine.api.containers(all=True, filters={"id": created["Id"]}), "a live server's container was reaped"
    finally:
        engine.api.remove_container(created["Id"], force=True)


def test_debugbox_cleanup_removes_every_debugbox_container(engine):
    orphan = _orphan(engine, "another-host:1:1")  # not ours to reap at startup, but cleanup takes all
    result = subprocess.run([sys.executable, "-m", "cli", "cleanup"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert not engine.api.containers(all=True, filters={"id": orphan})
    assert not engine.api.containers(all=True, filters={"label": LABEL})


def test_bad_configuration_is_refused_with_the_setting_named():
    result = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--backend", "docker", "--cpus", "-2"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "DEBUGBOX_PIDS": "lots"},
    )
    assert result.returncode == 2
    assert "--cpus='-2'" in result.stderr and "DEBUGBOX_PIDS='lots'" in result.stderr


def test_the_engine_client_survives_many_threads_on_many_containers(engine):
    """Invariant 7 under load: the SDK keeps a pool per URL (per container id) in an LRU of 25 and
    closes evicted pools under other threads' feet, which crashed start_task at 64 episodes
    (urllib3: 'NoneType' object has no attribute 'qsize'). engine_client keeps one pool."""
    from concurrent.futures import ThreadPoolExecutor

    from sandbox.docker.engine import engine_client

    client = engine_client()
    adapter = client.api.adapters["http+docker://"]
    before = len(adapter.pools)

    def inspect_many(worker: int) -> list[str]:
        unexpected = []
        for n in range(40):
            try:
                client.api.inspect_container(f"debugbox-no-such-{worker}-{n}")
            except docker.errors.NotFound:
                pass
            except Exception as exc:  # noqa: BLE001 - what the race raised
                unexpected.append(repr(exc))
        return unexpected

    with ThreadPoolExecutor(32) as threads:
        failures = [f for found in threads.map(inspect_many, range(32)) for f in found]
    assert failures == []
    assert len(adapter.pools) <= before + 1, "a pool per URL again: evictions close pools in use"
    client.close()


# -- a pooled container serving several episodes in turn ----------------------------------------

# Everything a later episode could see of an earlier one: the writable mounts (names, sizes and
# digests), every other process, System V IPC objects. Printed as JSON by run_python.
FINGERPRINT = r"""
import hashlib, json, os
def tree(root):
    found = {}
    for path, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(path, name)
            try:
                with open(full, "rb") as f:
                    found[full] = hashlib.sha256(f.read()).hexdigest()
            except IsADirectoryError:
                found[full] = "dir"
            except OSError as exc:
                found[full] = f"unreadable: {exc.strerror}"
    return found
procs = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            procs.append(f.read().replace(b"\0", b" ").decode())
ipc = {kind: open(f"/proc/sysvipc/{kind}").read().splitlines()[1:] for kind in ("shm", "msg", "sem")}
mounts = ("/workspace", "/tmp", "/dev/shm", "/dev/mqueue")
print(json.dumps({"host": os.uname().nodename, "files": {m: tree(m) for m in mounts}, "processes": sorted(procs), "ipc": ipc}))
"""

# Leaves something behind in every place a run can write, and a daemon waiting for the next
# episode. Prepended to the reference solution, it also runs while the hidden tests do.
LEFTOVERS = r"""
import ctypes as _ctypes, os as _os, time as _time
def _leave_everything():
    made = []
    for root in ("/workspace", "/tmp", "/dev/shm"):
        with open(_os.path.join(root, "left-by-episode-a"), "w") as f:
            f.write("left by episode a")
        made.append(root)
    try:
        _os.makedirs("/tmp/locked/inner")
        with open("/tmp/locked/inner/secret", "w") as f:
            f.write("left by episode a")
        _os.chmod("/tmp/locked/inner", 0)
        _os.chmod("/tmp/locked", 0)
        made.append("locked dir")
    except OSError:
        pass  # left by an earlier run: the runner failed to wipe it
    libc = _ctypes.CDLL(None, use_errno=True)
    ipc_create = 0o1000 | 0o666
    made += [name for name, ok in (("shm", libc.shmget(0x5EED, 4096, ipc_create) >= 0), ("msg", libc.msgget(0x5EEE, ipc_create) >= 0), ("sem", libc.semget(0x5EEF, 1, ipc_create) >= 0)) if ok]
    if libc.mq_open(b"/left-by-episode-a", _os.O_CREAT | _os.O_RDWR, 0o600, None) >= 0:
        made.append("mqueue")
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            _time.sleep(600)
        _os._exit(0)
    _os.wait()
    made.append("daemon")
    return made
LEFT = _leave_everything()
"""


async def fingerprint(service: DebugService, episode: str) -> dict:
    return json.loads(await snippet(service, episode, FINGERPRINT))


async def test_a_reused_container_is_as_clean_as_a_new_one(engine, catalog):
    """DESIGN.md invariant 4 across episodes: an episode that leaves files, IPC objects, a message
    queue, a locked directory and a daemon behind, in its runs and while its hidden tests run at
    submit, hands back a container in which the next episode sees exactly what it would see in a
    new one; and the hidden tests are gone."""
    provider = DockerProvider(DockerSettings(pool_size=1))
    service = DebugService(catalog, provider, ServiceSettings())
    task = catalog.get(TASK)
    async with running(service):
        await wait_for(lambda: provider.status()["pool_idle"] == 1, 60)
        first = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        new = await fingerprint(service, first)
        assert new["processes"] == ["python3 -u /opt/debugbox/runner.py --workdir /workspace --scratch /tmp --scratch /dev/shm --scratch /dev/mqueue --private-ipc --lifetime 7200 "]
        left = await snippet(service, first, LEFTOVERS + "\nprint(LEFT)\n")
        assert left.strip() == str(["/workspace", "/tmp", "/dev/shm", "locked dir", "shm", "msg", "sem", "mqueue", "daemon"])
        main = task.spec.main_file
        lines = len(task.source_files[main].splitlines())
        await service.replace_lines(first, 1, lines, LEFTOVERS + task.solution_files[main], None, owner=LOCAL_OWNER)
        assert (await service.run_tests(first, owner=LOCAL_OWNER)).passed > 0
        assert (await service.submit(first, owner=LOCAL_OWNER)).resolved
        await wait_for(lambda: provider.status()["reused"] == 1, 60)  # the fresh runner starts in the background
        assert provider.status()["audit_refused"] == 0

        later = [(await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id for _ in range(2)]  # the pool's fresh one and ours
        prints = [await fingerprint(service, episode) for episode in later]
        again = next(p for p in prints if p["host"] == new["host"])
        assert again == new
        hidden = set(task.hidden_test_files)
        assert not any(name.endswith(tuple(hidden)) for files in again["files"].values() for name in files)


async def test_a_container_with_a_process_the_audit_finds_is_not_reused(engine, catalog):
    """The audit is the gate: a process no run started (here one `docker exec` made, which the
    runner's sweep does not own) keeps the container out of the pool; it is removed."""
    provider = DockerProvider(DockerSettings(pool_size=1))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service):
        await wait_for(lambda: provider.status()["pool_idle"] == 1, 60)
        episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        host = (await fingerprint(service, episode))["host"]
        exec_id = engine.api.exec_create(host, ["sleep", "600"], user="65534:65534")["Id"]
        engine.api.exec_start(exec_id, detach=True)
        await service.submit(episode, owner=LOCAL_OWNER)
        await wait_for(lambda: provider.status()["audit_refused"] == 1, 60)
        assert provider.status()["reused"] == 0
        await wait_for(lambda: host not in {c["Id"][:12] for c in containers_of(engine, provider.instance)})


async def test_episodes_per_container_one_never_reuses(engine, catalog):
    from cli.main import build_parser
    from cli.settings import docker_settings

    settings = docker_settings(build_parser().parse_args(["serve", "--pool-size", "1", "--episodes-per-container", "1"]))
    assert settings.episodes_per_container == 1
    provider = DockerProvider(settings)
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service):
        await wait_for(lambda: provider.status()["pool_idle"] == 1, 60)
        episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        host = (await fingerprint(service, episode))["host"]
        await service.submit(episode, owner=LOCAL_OWNER)
        assert provider.status()["reused"] == 0
        await wait_for(lambda: host not in {c["Id"][:12] for c in containers_of(engine, provider.instance)})


async def test_an_episode_started_right_after_a_submit_waits_for_the_recycled_container(engine, catalog):
    """The recycle gives the container a fresh runner in the background; an episode started in that
    moment, with the pool empty, waits for it (or the refill) instead of making a container of its
    own, a pool miss that cost reuse its whole saving (0.87x of no reuse in BENCHMARKS.md)."""
    provider = DockerProvider(DockerSettings(pool_size=1))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service):
        await wait_for(lambda: provider.status()["pool_idle"] == 1, 60)
        first = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        await wait_for(lambda: provider.status()["pool_idle"] == 1, 60)
        await service.start_task(TASK, owner=LOCAL_OWNER)  # the pool is empty now; its refill begins
        await service.submit(first, owner=LOCAL_OWNER)
        assert provider.status()["recycling_containers"] == 1
        await service.start_task(TASK, owner=LOCAL_OWNER)
        assert provider.status()["misses"] == 0
