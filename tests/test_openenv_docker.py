"""The OpenEnv image (Dockerfile.openenv) as the isolation boundary: started by the released OpenEnv
client's own `from_docker_image` (a plain `docker run`), by that client with our container provider
(client_examples/openenv_provider.py) and by the project's client; each plays an episode, what the
episode's code can reach is tried from inside it, and the container is gone afterwards (Docker)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import docker
import pytest

from harness.openenv_client import INTERNAL_NETWORK, DebugboxEnv, EnvError
from tests.conftest import require_docker
from tests.openenv_helpers import ROOT, openenv_venv

# Its own tag: the main checkout's tests build debugbox-openenv:latest from other code.
IMAGE = "debugbox-openenv:test-openenv2"
TASK = "binary_search_off_by_one"


@pytest.fixture(scope="module")
def image():
    """Built from this checkout every time (~20 s, Docker's layer cache does the rest): an image left
    by older code would test that code. On the offline base where no registry answers, as the
    server image's test does."""
    from sandbox.images.build import DEFAULT_BASE_IMAGE, image_exists
    from sandbox.images.offline_base import OFFLINE_BASE_IMAGE
    from sandbox.images.server_image import build_openenv_image

    require_docker()
    client = docker.from_env()
    base = OFFLINE_BASE_IMAGE if image_exists(OFFLINE_BASE_IMAGE, client) else DEFAULT_BASE_IMAGE
    build_openenv_image(tag=IMAGE, base_image=base, client=client, progress=lambda line: None)
    return IMAGE


# What the episode's code tries, from a run_python step: its privileges; sockets to the server it
# runs beside (token-less on 127.0.0.1:8000), to this machine through the container's gateway, over
# IPv6 and netlink; the task packs (hidden tests, solutions) and /tmp beyond its own directory; and
# the container's cgroup limits as the episode sees them.
PROBE = textwrap.dedent(
    """
    import json, os, socket
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    gateway = next(l.split()[2] for l in open("/proc/net/route").readlines()[1:] if l.split()[1] == "00000000")
    gateway = socket.inet_ntoa(bytes.fromhex(gateway)[::-1])
    def attempt(family, kind, address=None):
        try:
            s = socket.socket(family, kind)
            if address:
                s.settimeout(3)
                s.connect(address)
            return "open"
        except OSError as exc:
            return exc.errno
    def listing(path):
        try:
            return len(os.listdir(path))
        except OSError as exc:
            return exc.errno
    def read(*paths):  # cgroup v2, else v1
        for path in paths:
            try:
                return open(path).read().strip()
            except OSError:
                pass
    print("PROBE" + json.dumps({
        "uid": os.getuid(), "cap_eff": status["CapEff"].strip(), "cap_bnd": status["CapBnd"].strip(),
        "no_new_privs": status["NoNewPrivs"].strip(), "seccomp": status["Seccomp"].strip(),
        "server": attempt(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 8000)),
        "gateway": attempt(socket.AF_INET, socket.SOCK_STREAM, (gateway, 8000)),
        "udp": attempt(socket.AF_INET, socket.SOCK_DGRAM), "ipv6": attempt(socket.AF_INET6, socket.SOCK_STREAM),
        "netlink": attempt(socket.AF_NETLINK, socket.SOCK_RAW), "unix": attempt(socket.AF_UNIX, socket.SOCK_STREAM),
        "pack": listing("/opt/debugbox/site/tasks/bundled"), "packs": listing("/opt/debugbox/packs"), "tmp": listing("/tmp"),
        "pids_max": read("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"),
        "memory_max": read("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    }))
    """
)

RELEASED_CLIENT = textwrap.dedent(
    """
    import asyncio, json, sys
    from openenv.core.mcp_client import MCPToolClient
    from openenv.core.env_server.mcp_types import CallToolAction

    async def main():
        image, task, probe, hardened = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "hardened"
        if hardened:
            sys.path.insert(0, sys.argv[5])
            from openenv_provider import DebugboxDockerProvider
            env = await MCPToolClient.from_docker_image(image, provider=DebugboxDockerProvider())
        else:
            env = await MCPToolClient.from_docker_image(image)
        try:
            reset = await env.reset(task_id=task)
            tests = await env.step(CallToolAction(tool_name="run_tests", arguments={}))
            probed = await env.step(CallToolAction(tool_name="run_python", arguments={"code": probe}))
            stdout = probed.observation.result["structured_content"]["stdout"]
            name = env._provider._container_name
            print("CONTAINER" + json.dumps(name), flush=True)
            sys.stdin.readline()  # the test looks at the running container, then lets the episode finish
            final = await env.step(CallToolAction(tool_name="submit", arguments={}))
            print(json.dumps({"task": reset.observation.metadata["task_id"], "tests": tests.observation.result["structured_content"]["total"],
                              "done": final.done, "container": name, "probe": json.loads(stdout.split("PROBE", 1)[1])}))
        finally:
            await env.close()

    asyncio.run(main())
    """
)


def play_with_the_released_client(tmp_path, image: str, hardened: bool, inspect) -> dict:
    """Plays an episode through openenv-core's from_docker_image; inspect(container) runs while the
    container is up (between the probe and the submit)."""
    python = openenv_venv()
    script = tmp_path / "from_image.py"
    script.write_text(RELEASED_CLIENT)
    mode = "hardened" if hardened else "plain"
    process = subprocess.Popen(
        [python, script, image, TASK, PROBE, mode, str(ROOT / "client_examples")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("CONTAINER"), process.stderr.read()[-3000:]
        container = docker.from_env().containers.get(json.loads(line[len("CONTAINER"):]))
        inspect(container)
        out, err = process.communicate("\n", timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["task"] == TASK and result["tests"] == 5 and result["done"] is True
    assert not docker.from_env().containers.list(all=True, filters={"name": result["container"]})  # close() removed it
    return result


def in_container(container, code: str) -> str:
    """Python run in the container beside the server, as its user, outside any episode (no filter)."""
    exit_code, output = container.exec_run(["python3", "-c", code])
    return output.decode()


CONNECT = "import socket, sys\ntry:\n    socket.create_connection((sys.argv[1] if len(sys.argv) > 1 else '{host}', {port}), timeout=3); print('open')\nexcept OSError as e:\n    print('refused', e)"


def test_a_plain_from_docker_image_keeps_the_episode_off_the_network_and_unprivileged(image, tmp_path):
    """OpenEnv's LocalDockerProvider passes no hardening flag: what holds here the image holds alone."""
    seen = {}

    def inspect(container):
        host = container.attrs["HostConfig"]
        assert host["CapDrop"] is None and not host["ReadonlyRootfs"]  # really the plain run
        # The control: beside the server, outside an episode, its port answers; so a refusal inside
        # the episode is the episode's filter, not a server that is not there.
        seen["control"] = in_container(container, CONNECT.format(host="127.0.0.1", port=8000))
        seen["setuid"] = in_container(container, "import subprocess; print(subprocess.run(['find', '/', '-xdev', '-type', 'f', '-perm', '/6000'], capture_output=True, text=True).stdout)")
        seen["packs"] = in_container(container, "import os; print(len(os.listdir('/opt/debugbox/site/tasks/bundled')))")

    probe = play_with_the_released_client(tmp_path, image, hardened=False, inspect=inspect)["probe"]
    assert seen["control"].strip() == "open" and seen["setuid"].strip() == ""
    assert probe["uid"] == 10001 and probe["cap_eff"] == "0000000000000000"
    assert probe["no_new_privs"] == "1" and probe["seccomp"] == "2"
    refused = 13  # EACCES: the seccomp filter refuses the socket itself
    assert [probe[k] for k in ("server", "gateway", "udp", "ipv6", "netlink")] == [refused] * 5
    assert probe["unix"] == "open"
    # Landlock: the packs the server reads (the control) are closed to the episode, as is /tmp beyond its own directory.
    assert int(seen["packs"]) > 10 and probe["pack"] == probe["packs"] == probe["tmp"] == refused


def test_our_provider_runs_the_image_hardened_with_no_egress(image, tmp_path):
    """client_examples/openenv_provider.py in the released client: every run flag the sandboxes get,
    an internal network, and the limits visible from inside the episode."""
    client = docker.from_env()
    # A listener on the default bridge, which a plainly run container reaches (the control below).
    neighbour = client.containers.run(image, detach=True, labels={"io.debugbox.role": "openenv-test"})
    seen = {}
    try:
        neighbour.reload()
        address = neighbour.attrs["NetworkSettings"]["IPAddress"]
        from harness.openenv_client import wait_healthy

        def inspect(container):
            container.reload()
            host = container.attrs["HostConfig"]
            assert container.attrs["Config"]["User"] == "10001:10001" and host["CapDrop"] == ["ALL"] and host["ReadonlyRootfs"]
            assert host["PidsLimit"] == 512 and host["Memory"] == 2 * 1024**3 and "no-new-privileges" in host["SecurityOpt"]
            assert not container.attrs["NetworkSettings"]["Ports"]  # nothing published anywhere
            assert client.networks.get(INTERNAL_NETWORK).attrs["Internal"] is True
            seen["egress"] = in_container(container, CONNECT.format(host=address, port=8000))
            seen["control"] = in_container(neighbour, CONNECT.format(host=address, port=8000))

        wait_healthy(f"http://{address}:8000", 60)
        probe = play_with_the_released_client(tmp_path, image, hardened=True, inspect=inspect)["probe"]
    finally:
        neighbour.remove(force=True)
    assert seen["control"].strip() == "open" and seen["egress"].startswith("refused")
    assert probe["cap_eff"] == probe["cap_bnd"] == "0000000000000000" and probe["no_new_privs"] == "1"
    assert probe["pids_max"] == "512" and probe["memory_max"] == str(2 * 1024**3)
    assert probe["server"] == probe["gateway"] == 13


def test_our_client_runs_the_image_hardened_and_removes_it(image):
    with DebugboxEnv.from_docker_image(image) as env:
        container = env._container
        container.reload()
        host = container.attrs["HostConfig"]
        assert container.attrs["Config"]["User"] == "10001:10001" and host["CapDrop"] == ["ALL"] and host["ReadonlyRootfs"]
        assert host["PidsLimit"] == 512 and host["Memory"] == 2 * 1024**3 and "no-new-privileges" in host["SecurityOpt"]
        assert not container.attrs["NetworkSettings"]["Ports"] and INTERNAL_NETWORK in container.attrs["NetworkSettings"]["Networks"]
        env.reset(task_id=TASK)
        obs, _, _ = env.step(("run_python", {"code": PROBE}))
        probe = json.loads(obs.structured["stdout"].split("PROBE", 1)[1])
        assert probe["uid"] == 10001 and probe["cap_bnd"] == "0000000000000000" and probe["server"] == 13
        assert probe["pids_max"] == "512"
        obs, _, done = env.step(("submit", {}))
        assert done
        cid = container.id
    assert not docker.from_env().containers.list(all=True, filters={"id": cid})


def test_the_image_serves_on_port_and_as_any_uid_as_a_space_runs_it(image):
    """A Hugging Face Space runs the image as uid 1000 and may set $PORT: /health answers there."""
    client = docker.from_env()
    container = client.containers.run(
        image, detach=True, user="1000:1000", environment={"PORT": "7860"}, ports={"7860/tcp": ("127.0.0.1", None)},
        labels={"io.debugbox.role": "openenv-test"},
    )
    try:
        from harness.openenv_client import wait_healthy

        container.reload()
        port = container.attrs["NetworkSettings"]["Ports"]["7860/tcp"][0]["HostPort"]
        wait_healthy(f"http://127.0.0.1:{port}", 60)
        with DebugboxEnv(f"http://127.0.0.1:{port}") as env:
            env.reset(task_id=TASK)
            obs, _, _ = env.step(("run_tests", {}))
            assert obs.structured["total"] == 5
    finally:
        container.remove(force=True)


def test_an_image_built_with_a_pack_serves_its_environments_with_no_network(image, tmp_path):
    """`debugbox image build-openenv --tasks PACK`: the pack's environment becomes a venv inside the
    image, made from wheels this machine downloaded; in the hardened container (no egress, no pip)
    the task plays and resolves, the pack stays closed to the episode, and a task whose package does
    not exist is named at build time and refused with that reason when started."""
    import shutil

    from sandbox.images.build import DEFAULT_BASE_IMAGE, image_exists
    from sandbox.images.offline_base import OFFLINE_BASE_IMAGE
    from tasks.loader import load_task
    from tests.test_environments import ENVPACK, UNKNOWN

    pack = tmp_path / "envpack"
    shutil.copytree(ENVPACK, pack)
    client = docker.from_env()
    tag = f"{IMAGE}-packs"
    base = OFFLINE_BASE_IMAGE if image_exists(OFFLINE_BASE_IMAGE, client) else DEFAULT_BASE_IMAGE
    command = [sys.executable, "-m", "cli", "image", "build-openenv", "--tasks", str(pack), "--tag", tag, "--base-image", base, "--wheel-cache", str(tmp_path / "wheels")]
    built = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=900)
    try:
        assert built.returncode == 1, built.stderr[-3000:]  # one environment failed, and said which
        assert "FAILED unknown_package" in built.stderr and UNKNOWN in built.stderr and "with 1 of 2 environment(s)" in built.stderr
        task = load_task(pack / "toolz_totals")
        with DebugboxEnv.from_docker_image(tag) as env:
            env.reset(task_id="toolz_totals")
            obs, _, _ = env.step(("run_tests", {}))
            assert (obs.structured["passed"], obs.structured["failed"]) == (2, 1), obs.text  # toolz imports; the bug fails
            code = "import os, toolz\nprint(toolz.__file__)\ntry:\n    os.listdir('/opt/debugbox/packs/extra')\nexcept OSError as e:\n    print('closed', e.errno)"
            obs, _, _ = env.step(("run_python", {"code": code}))
            assert obs.structured["stdout"].startswith("/opt/debugbox/venvs/") and "closed 13" in obs.structured["stdout"], obs.text
            source = task.source_files["orders.py"]
            env.step(("replace_lines", {"path": "orders.py", "start_line": 1, "end_line": len(source.splitlines()), "new_code": task.solution_files["orders.py"]}))
            obs, _, done = env.step(("submit", {}))
            assert done and obs.structured["score"] == 1.0
        with DebugboxEnv.from_docker_image(tag) as env:
            with pytest.raises(EnvError, match=UNKNOWN):
                env.reset(task_id="unknown_package")
            assert env.reset(task_id=TASK)  # the bundled pack is still served beside the extra one
    finally:
        try:
            client.images.remove(tag, force=True)
        except docker.errors.ImageNotFound:
            pass
