"""The Kubernetes backend end to end: whole episodes through a real MCP client on the fake API
server (or a real cluster, `-m kubernetes` with DEBUGBOX_K8S_TEST_KUBECONFIG), in both modes:
claim or pod, watch, one exec stream, runs, submit, cleanup; eviction; the reaper; shutdown."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from mcp import Client

from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.base import RunRequest, SandboxError
from sandbox.kubernetes import objects
from sandbox.kubernetes.provider import KubernetesProvider
from tests.helpers import call_ok, solve_with_reference, text_of
from tests.kube_fixtures import cluster, docker_fake, fake, mode  # noqa: F401 (fixtures)

pytestmark = pytest.mark.anyio
TASK = "binary_search_off_by_one"


def mine(provider: KubernetesProvider) -> str:
    return f"{objects.LABEL_INSTANCE}={provider.instance}"


async def sandboxes_of(provider: KubernetesProvider) -> list[dict]:
    """This server's claims (agent-sandbox) or pods, through the same API the provider uses."""
    if provider.mode == "agent-sandbox":
        return await provider.api.list_claims(mine(provider))
    return [p for p in await provider.api.list_pods(mine(provider)) if (p.get("status") or {}).get("phase") != "Failed"]


async def pod_of(provider: KubernetesProvider, episode_id: str, fake=None) -> str:
    """The episode's running pod: read as the cluster's admin (the fake's store, or on a real
    cluster the test kubeconfig), since agent-sandbox mode's server may not list pods."""
    selector = f"{objects.LABEL_EPISODE}={objects.label_value(episode_id)}"
    for _ in range(50):
        listed = await anyio.to_thread.run_sync(lambda: fake.objects("pods", labels=selector)) if fake else await provider.api.list_pods(selector)
        pods = [p for p in listed if (p.get("status") or {}).get("phase") == "Running"]
        if pods:
            return pods[0]["metadata"]["name"]
        await anyio.sleep(0.1)
    raise AssertionError(f"no running pod labelled {selector}")


async def test_a_whole_episode_through_mcp(cluster, catalog):
    provider = KubernetesProvider(cluster.settings())
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service), Client(build_server(service)) as client:
        assert provider.mode == cluster.mode
        result = await solve_with_reference(client, catalog.tasks[TASK])
        assert result["done"] and result["score"] == 1.0, result
        assert provider.status()["live_sandboxes"] == 0
        with anyio.fail_after(30):  # the deletions are asynchronous (a loaded Docker engine takes seconds)
            while await sandboxes_of(provider) if provider.mode == "agent-sandbox" else len(await sandboxes_of(provider)) > provider.settings.pool_size:
                await anyio.sleep(0.1)
        status = provider.status()
        # One exec per sandbox ever made (the episode's, the task baseline's, the pool's), none per step.
        assert status["api_calls"]["exec"] == status["pods_made"] + status["claims_made"], status
    assert await_no_leftovers(provider) is None


def await_no_leftovers(provider: KubernetesProvider) -> None:
    assert provider.status()["live_sandboxes"] == 0 and provider.status()["pool_idle"] == 0


async def test_each_sandbox_is_labelled_and_hangs_from_the_servers_lease(cluster, catalog):
    provider = KubernetesProvider(cluster.settings(pool_size=0))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service), Client(build_server(service)) as client:
        episode = (await call_ok(client, "start_task", task_id=TASK))["episode_id"]
        await call_ok(client, "run_tests", episode_id=episode)
        (sandbox,) = await sandboxes_of(provider)
        meta = sandbox["metadata"]
        assert meta["labels"][objects.LABEL_INSTANCE] == provider.instance
        assert meta["labels"][objects.LABEL_EPISODE] == objects.label_value(episode)
        assert meta["annotations"][objects.ANNOTATION_EPISODE] == episode
        (owner,) = meta["ownerReferences"]
        assert (owner["kind"], owner["name"]) == ("Lease", f"debugbox-{provider.instance}")
        if provider.mode == "agent-sandbox":
            lifecycle = sandbox["spec"]["lifecycle"]
            assert lifecycle["shutdownPolicy"] == "Delete"
            shutdown = datetime.fromisoformat(lifecycle["shutdownTime"].replace("Z", "+00:00"))
            assert abs(shutdown - (datetime.now(UTC) + timedelta(seconds=provider.settings.lifetime_s))) < timedelta(seconds=60)
            assert "env" not in sandbox["spec"] and "volumeClaimTemplates" not in sandbox["spec"]  # warm-claimable
            # The pod the claim adopted carries the episode's labels too.
            assert await pod_of(provider, episode, cluster.fake)
        else:
            spec = sandbox["spec"]
            container = spec["containers"][0]
            assert spec["restartPolicy"] == "Never" and spec["activeDeadlineSeconds"] == provider.settings.lifetime_s
            assert spec["automountServiceAccountToken"] is False
            assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "privileged": False, "capabilities": {"drop": ["ALL"]},
            }
            assert container["resources"]["limits"] == {"cpu": "1.0", "memory": "512Mi"}
        await call_ok(client, "submit", episode_id=episode)
        with anyio.fail_after(30):
            while await sandboxes_of(provider):
                await anyio.sleep(0.1)


async def test_an_evicted_pod_is_replaced_and_the_episode_goes_on(fake, catalog):
    provider = KubernetesProvider(fake.settings(pool_size=0))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service), Client(build_server(service)) as client:
        episode = (await call_ok(client, "start_task", task_id=TASK))["episode_id"]
        before = await call_ok(client, "run_tests", episode_id=episode)
        first = await pod_of(provider, episode, fake.fake)
        assert await anyio.to_thread.run_sync(fake.fake.evict, first)
        after = await call_ok(client, "run_tests", episode_id=episode)  # on a new sandbox, from the episode's files
        assert (after["passed"], after["total"]) == (before["passed"], before["total"])
        second = await pod_of(provider, episode, fake.fake)
        assert second != first
        assert first in fake.fake.controller.evicted
        state = await client.read_resource(f"episodes://{episode}")
        assert "sandbox_failure" not in str(state.contents[0])  # the episode did not end
        await call_ok(client, "submit", episode_id=episode)


async def test_a_run_cut_by_eviction_is_a_sandbox_failure_not_the_agents(fake, catalog):
    provider = KubernetesProvider(fake.settings(pool_size=0))
    async with anyio.create_task_group():
        await provider.start()
        try:
            sandbox = await provider.acquire("ep_evicted")
            pod = sandbox.slot.pod
            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: anyio.sleep(1.0))
                async def evict_soon():
                    await anyio.sleep(1.0)
                    await anyio.to_thread.run_sync(fake.fake.evict, pod)
                tg.start_soon(evict_soon)
                with pytest.raises(SandboxError, match="connection lost"):
                    await sandbox.run(RunRequest(kind="python", files={}, code="import time; time.sleep(30)", timeout_s=60))
            await sandbox.close()
        finally:
            await provider.aclose()


async def test_a_missing_warm_pool_is_a_clear_sandbox_failure(tmp_path, catalog):
    from tests.kube_fixtures import fake_cluster

    cluster = fake_cluster(tmp_path, "agent-sandbox")
    try:
        provider = KubernetesProvider(cluster.settings(warm_pool="no-such-pool", ready_timeout_s=20))
        service = DebugService(catalog, provider, ServiceSettings())
        async with running(service), Client(build_server(service)) as client:
            result = await client.call_tool("start_task", {"task_id": TASK})
            episode = result.structured_content["episode_id"] if not result.is_error else None
            if episode:
                result = await client.call_tool("run_tests", {"episode_id": episode})
            assert result.is_error
            assert "[sandbox_failure]" in text_of(result) and "no-such-pool" in text_of(result), text_of(result)
            assert not await provider.api.list_claims(mine(provider))  # the failed claim was deleted
    finally:
        cluster.fake.stop()


async def test_auto_mode_follows_the_served_apis(tmp_path):
    from tests.kube_fixtures import fake_cluster

    for served, expected in ((True, "agent-sandbox"), (False, "pods")):
        cluster = fake_cluster(tmp_path, "agent-sandbox" if served else "pods")
        try:
            provider = KubernetesProvider(cluster.settings(mode="auto", pool_size=0))
            await provider.start()
            assert provider.mode == expected
            await provider.aclose()
        finally:
            cluster.fake.stop()


async def test_the_reaper_removes_only_what_dead_instances_left(fake):
    settings = fake.settings(pool_size=0)
    dead, alive = KubernetesProvider(settings), KubernetesProvider(settings)
    for provider in (dead, alive):
        await provider.start()
    dead_box = await dead.acquire("ep_dead")
    alive_box = await alive.acquire("ep_alive")
    # The dead server vanished without a word (SIGKILL, a lost node): its Lease stops being renewed.
    stale = objects.micro_time(datetime.now(UTC) - timedelta(seconds=10 * settings.heartbeat_s))
    await dead.api.renew_lease(f"debugbox-{dead.instance}", stale)
    await dead_box.slot.stream.aclose()
    newcomer = KubernetesProvider(settings)
    await newcomer.start()  # reaps at startup
    assert newcomer.reaped == 1
    assert not await sandboxes_of(dead)
    assert len(await sandboxes_of(alive)) == 1
    assert [lease["metadata"]["name"] for lease in await newcomer.api.list_leases(objects.LABEL + "=1")] == sorted(
        [f"debugbox-{alive.instance}", f"debugbox-{newcomer.instance}"], key=[f"debugbox-{alive.instance}", f"debugbox-{newcomer.instance}"].index
    )
    await alive_box.close()
    for provider in (alive, newcomer, dead):
        await provider.aclose()


async def test_deleting_the_servers_lease_removes_its_sandboxes(fake):
    """The ownerReference: what a crashed server left goes with its Lease (the cluster's garbage collector)."""
    provider = KubernetesProvider(fake.settings(pool_size=0))
    await provider.start()
    try:
        await provider.acquire("ep_orphan")
        assert len(await sandboxes_of(provider)) == 1
        await provider.api.delete_lease(f"debugbox-{provider.instance}")
        with anyio.fail_after(10):
            while await sandboxes_of(provider):
                await anyio.sleep(0.1)
    finally:
        await provider.aclose()


async def test_shutdown_removes_every_sandbox_and_the_lease(fake, catalog):
    provider = KubernetesProvider(fake.settings(pool_size=2))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service), Client(build_server(service)) as client:
        for _ in range(2):
            episode = (await call_ok(client, "start_task", task_id=TASK))["episode_id"]
            await call_ok(client, "run_tests", episode_id=episode)
        with anyio.fail_after(30):
            while provider.mode == "pods" and provider.status()["pool_idle"] < 2:
                await anyio.sleep(0.1)
    leftovers = [o for o in fake.fake.objects("pods") + fake.fake.objects("sandboxclaims") + fake.fake.objects("leases") if provider.instance in str(o["metadata"].get("labels"))]
    assert leftovers == []


async def test_the_runner_runs_clean_and_hidden_tests_arrive_only_at_submit(fake, catalog):
    provider = KubernetesProvider(fake.settings(pool_size=0))
    await provider.start()
    try:
        sandbox = await provider.acquire("ep_clean")
        first = await sandbox.run(RunRequest(kind="python", files={"a.py": "x = 1\n"}, code=(
            "import os, subprocess, sys\n"
            "open('left.txt', 'w').write('x')\n"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
            "print(sorted(os.listdir('.')))"
        )))
        assert "left.txt" in first.stdout
        second = await sandbox.run(RunRequest(kind="python", files={"a.py": "x = 1\n"}, code="import os; print(sorted(os.listdir('.')))"))
        assert "left.txt" not in second.stdout and "a.py" in second.stdout
        big = await sandbox.run(RunRequest(kind="python", files={}, code="print('y' * 100_000)", max_output_bytes=2_000))
        assert len(big.stdout) < 4_000 and big.stdout_dropped_bytes > 0
        await sandbox.close()
    finally:
        await provider.aclose()


async def test_run_limits_hold_in_a_pod(fake):
    """The runner's own caps (time, memory, output) in a Kubernetes sandbox; the container's
    cgroup and network limits are the cluster's (and the Docker suite's) to prove."""
    provider = KubernetesProvider(fake.settings(pool_size=0))
    await provider.start()
    try:
        sandbox = await provider.acquire("ep_limits")
        slow = await sandbox.run(RunRequest(kind="python", files={}, code="import time; time.sleep(30)", timeout_s=2))
        assert slow.status == "timeout" and slow.timed_out
        hungry = await sandbox.run(RunRequest(kind="python", files={}, code="x = bytearray(2_000_000_000)", limits={"memory_mb": 256}))
        assert hungry.exception is not None and hungry.exception.type == "MemoryError", hungry
        fine = await sandbox.run(RunRequest(kind="python", files={}, code="print('still serving')"))
        assert fine.stdout.strip() == "still serving"  # the same runner, after both
        await sandbox.close()
    finally:
        await provider.aclose()


async def test_an_idle_exec_stream_stays_open(fake):
    """An agent thinks for minutes between steps; the fake pings every second and drops a stream
    that does not answer within one: the stream is read (and pings answered) while idle."""
    provider = KubernetesProvider(fake.settings(pool_size=0))
    await provider.start()
    try:
        sandbox = await provider.acquire("ep_idle")
        await anyio.sleep(5)
        result = await sandbox.run(RunRequest(kind="python", files={}, code="print('awake')"))
        assert result.stdout.strip() == "awake"
        assert provider.status()["api_calls"]["exec"] == 1
        await sandbox.close()
    finally:
        await provider.aclose()


async def test_hidden_tests_enter_the_pod_only_at_submit(fake, catalog):
    task = catalog.tasks[TASK]
    hidden = {path.rsplit("/", 1)[-1] for path in task.hidden_test_files}
    assert hidden
    provider = KubernetesProvider(fake.settings(pool_size=0))
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service), Client(build_server(service)) as client:
        episode = (await call_ok(client, "start_task", task_id=TASK))["episode_id"]
        await call_ok(client, "run_tests", episode_id=episode)
        # Everything the pod holds: in a cluster its whole filesystem; with the fake's
        # process-backed pods, the pod's directory (the host around it is not the pod's).
        seen = await call_ok(client, "run_python", episode_id=episode, code=(
            "import os\n"
            "root, here = '/', os.getcwd()\n"
            "while here != '/':\n"
            "    if os.path.basename(here).startswith('fakekube-'):\n"
            "        root = here\n"
            "    here = os.path.dirname(here)\n"
            "for here, dirs, files in os.walk(root):\n"
            "    if here in ('/proc', '/sys'):\n"
            "        dirs[:] = []\n"
            "    for name in files:\n"
            "        print(name)\n"
        ))
        printed = set(str(seen).replace("\\n", "\n").split())
        assert "test_search.py" in printed or any(name.startswith("test_") for name in printed)  # it does see the visible tests
        assert not hidden & printed, hidden & printed
        result = await call_ok(client, "submit", episode_id=episode)
        assert result["done"]


async def test_a_pod_backed_by_the_sandbox_image_is_the_hardened_sandbox(docker_fake):
    """With pods made of real containers from the pod spec: the runner runs as 65534, with no
    capability, a read-only root, no network, and the pod's memory limit."""
    provider = KubernetesProvider(docker_fake.settings(pool_size=0, memory_mb=256))
    await provider.start()
    try:
        sandbox = await provider.acquire("ep_hardened")
        probe = await sandbox.run(RunRequest(kind="python", files={}, code=(
            "import os, socket\n"
            "print('uid', os.getuid(), os.getgid())\n"
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0])\n"
            "try:\n"
            "    open('/opt/debugbox/planted', 'w')\n"
            "    print('root writable')\n"
            "except OSError as exc:\n"
            "    print('root read-only', exc.errno)\n"
            "try:\n"
            "    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
            "    print('network reachable')\n"
            "except OSError:\n"
            "    print('no network')\n"
            "print('ifaces', sorted(name for _, name in socket.if_nameindex()))\n"
        )))
        out = probe.stdout
        assert "uid 65534 65534" in out, out
        assert "0000000000000000" in out, out
        assert "root read-only" in out and "no network" in out and "ifaces ['lo']" in out, out
        hungry = await sandbox.run(RunRequest(kind="python", files={}, code="x = b'a' * (300 * 2**20); y = b'b' * (300 * 2**20); print('fit')", limits={"memory_mb": 4096}))
        assert "fit" not in hungry.stdout  # past the pod's limit (256 MiB here, the template's 512 MiB in agent-sandbox mode)
        fine = await sandbox.run(RunRequest(kind="python", files={}, code="print('after')"))
        assert fine.stdout.strip() == "after"
        await sandbox.close()
    finally:
        await provider.aclose()


async def test_the_deployed_roles_are_enforced_and_enough(tmp_path):
    """Every test here runs with the server's token bound to deploy/kubernetes' Role for its mode
    (the fake answers 403 past it). Here: with pods mode's Role, a cluster that serves
    agent-sandbox is still driven in pods mode by `auto`, and a forced claim is refused clearly."""
    from tests.kube_fixtures import deployed_role, fake_cluster

    cluster = fake_cluster(tmp_path, "agent-sandbox", role=deployed_role("pods"))
    try:
        provider = KubernetesProvider(cluster.settings(mode="auto", pool_size=0))
        await provider.start()
        assert provider.mode == "pods"
        sandbox = await provider.acquire("ep_rbac")
        assert (await sandbox.run(RunRequest(kind="python", files={}, code="print(1)"))).stdout.strip() == "1"
        await sandbox.close()
        await provider.aclose()
        forced = KubernetesProvider(cluster.settings(mode="agent-sandbox", pool_size=0))
        await forced.start()
        with pytest.raises(SandboxError, match="forbids this server to create claim.*its Role"):
            await forced.acquire("ep_forbidden")
        await forced.aclose()
    finally:
        cluster.fake.stop()
