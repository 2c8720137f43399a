"""The OpenEnv image (Dockerfile.openenv): started by the released OpenEnv client's own
`from_docker_image`, and by the project's client, hardened; each plays an episode, and the
container is gone afterwards (Docker)."""

from __future__ import annotations

import json
import subprocess
import textwrap

import docker
import pytest

from harness.openenv_client import DebugboxEnv
from tests.conftest import require_docker
from tests.openenv_helpers import openenv_venv

IMAGE = "debugbox-openenv:latest"
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


FROM_DOCKER_IMAGE = textwrap.dedent(
    """
    import asyncio, json, sys
    from openenv.core.mcp_client import MCPToolClient
    from openenv.core.env_server.mcp_types import CallToolAction

    async def main():
        env = await MCPToolClient.from_docker_image(sys.argv[1])
        try:
            reset = await env.reset(task_id=sys.argv[2])
            tests = await env.step(CallToolAction(tool_name="run_tests", arguments={}))
            final = await env.step(CallToolAction(tool_name="submit", arguments={}))
            name = env._provider._container_name
            print(json.dumps({"task": reset.observation.metadata["task_id"], "tests": tests.observation.result["structured_content"]["total"],
                              "done": final.done, "container": name}))
        finally:
            await env.close()

    asyncio.run(main())
    """
)


def test_the_released_clients_from_docker_image_plays_an_episode(image, tmp_path):
    python = openenv_venv()
    script = tmp_path / "from_image.py"
    script.write_text(FROM_DOCKER_IMAGE)
    run = subprocess.run([python, script, image, TASK], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["task"] == TASK and out["tests"] == 5 and out["done"] is True
    assert not docker.from_env().containers.list(all=True, filters={"name": out["container"]})  # close() removed it


def test_our_client_runs_the_image_hardened_and_removes_it(image):
    with DebugboxEnv.from_docker_image(image) as env:
        container = env._container
        container.reload()
        host = container.attrs["HostConfig"]
        assert container.attrs["Config"]["User"] == "10001:10001" and host["CapDrop"] == ["ALL"] and host["ReadonlyRootfs"]
        assert host["PidsLimit"] == 512 and host["Memory"] == 2 * 1024**3 and "no-new-privileges" in host["SecurityOpt"]
        assert container.attrs["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostIp"] == "127.0.0.1"
        env.reset(task_id=TASK)
        obs, _, _ = env.step(("run_python", {"code": "import os; print(os.getuid())"}))
        assert "10001" in obs.text
        obs, _, done = env.step(("submit", {}))
        assert done
        cid = container.id
    assert not docker.from_env().containers.list(all=True, filters={"id": cid})
