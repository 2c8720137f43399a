"""The server image for real: built on the offline base (or the public one), run with the host's
Docker socket mounted, driven over HTTP by the MCP Inspector CLI and the Python client, with the
token and Origin checks, then stopped with SIGTERM and leaving no sandbox container behind."""

from __future__ import annotations

import json
import time

import docker
import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from sandbox.images.build import DEFAULT_BASE_IMAGE, image_exists
from sandbox.images.offline_base import OFFLINE_BASE_IMAGE
from sandbox.images.server_image import SERVER_IMAGE, build_server_image
from tests.conftest import require_docker
from tests.helpers import free_port, solve_with_reference
from tests.test_independent_clients import inspector, inspector_tool, js_clients, over_http, text_of  # noqa: F401

pytestmark = pytest.mark.anyio
TOKEN = "s" * 40
TASK = "binary_search_off_by_one"


@pytest.fixture(scope="module")
def server_container():
    require_docker()
    engine = docker.from_env()
    base = OFFLINE_BASE_IMAGE if image_exists(OFFLINE_BASE_IMAGE, engine) else DEFAULT_BASE_IMAGE
    build_server_image(base_image=base, client=engine, progress=lambda line: None)
    port = free_port()
    container = engine.containers.run(
        SERVER_IMAGE,
        detach=True,
        volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"}},
        ports={"8000/tcp": ("127.0.0.1", port)},
        environment={"DEBUGBOX_AUTH_TOKENS": f"ci={TOKEN}", "DEBUGBOX_POOL_SIZE": "1"},
        labels={"io.debugbox.test": "server-image"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            container.reload()
            assert container.status == "running", container.logs().decode()[-3000:]
            assert time.monotonic() < deadline, "the server container did not become healthy"
            time.sleep(0.3)
        yield container, url
    finally:
        container.remove(force=True)


def bearer() -> list[str]:
    return ["--header", f"Authorization: Bearer {TOKEN}"]


async def test_the_python_client_plays_an_episode_with_the_token(server_container, catalog):
    _, url = server_container
    client = Client(streamable_http_client(f"{url}/mcp", http_client=create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})))
    async with client:
        final = await solve_with_reference(client, catalog.get(TASK))
        status = json.loads((await client.read_resource("debugbox://status")).contents[0].text)
    assert final["resolved"] and status["sandbox"]["backend"] == "docker"


def test_the_inspector_cli_plays_an_episode_over_http(server_container, js_clients):
    _, url = server_container
    server = [*bearer(), *over_http(f"{url}/mcp", "modern")]
    tools = inspector(server, "tools/list")["tools"]
    assert {"start_task", "submit"} <= {t["name"] for t in tools}
    start = inspector_tool(server, "start_task", task_id=TASK)["structuredContent"]
    episode = start["episode_id"]
    assert start["sandbox"] == {"backend": "docker", "isolation": "container"}
    inspector_tool(server, "replace_lines", episode_id=episode, start_line=14, end_line=14, new_code="    while lo <= hi:")
    tests = inspector_tool(server, "run_tests", episode_id=episode)
    assert text_of(tests).startswith("Tests Passed: 5/5")
    final = inspector_tool(server, "submit", episode_id=episode)["structuredContent"]
    assert final["resolved"]


def test_token_and_origin_are_checked(server_container):
    _, url = server_container
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    assert httpx.post(f"{url}/mcp", json=init, headers=headers).status_code == 401
    assert httpx.post(f"{url}/mcp", json=init, headers={**headers, "Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    evil = {**headers, "Authorization": f"Bearer {TOKEN}", "Origin": "https://evil.example"}
    assert httpx.post(f"{url}/mcp", json=init, headers=evil).status_code == 403
    assert httpx.post(f"{url}/mcp", json=init, headers={**headers, "Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_sigterm_stops_the_server_and_removes_every_sandbox(server_container, catalog):
    container, url = server_container
    engine = docker.from_env()
    server = [*bearer(), *over_http(f"{url}/mcp", "modern")]
    inspector_tool(server, "start_task", task_id=TASK)  # left running on purpose
    owned = {"label": f"io.debugbox.owner=container:{container.id}"}
    assert engine.api.containers(all=True, filters=owned), "sandboxes must name the server's container as owner"
    container.stop(timeout=30)  # SIGTERM, then SIGKILL after 30 s
    container.reload()
    assert container.attrs["State"]["ExitCode"] == 0, container.logs().decode()[-3000:]
    assert engine.api.containers(all=True, filters=owned) == []
