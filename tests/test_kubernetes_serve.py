"""`debugbox serve --backend kubernetes` as an operator runs it: a real server process, configured
by DEBUGBOX_K8S_* variables, against the fake API server; SIGTERM cleans up, SIGKILL is cleaned up
after by the next server; a bad setting names its variable."""

from __future__ import annotations

import argparse
import json
import os
import signal
import time

import anyio
import pytest
from mcp import Client

from cli.settings import ConfigError, kubernetes_settings
from sandbox.kubernetes import objects
from tests.helpers import http_server, solve_with_reference
from tests.kube_fixtures import fake_cluster

pytestmark = pytest.mark.anyio
TASK = "binary_search_off_by_one"


def sandboxes_of(fake, instance: str) -> list[dict]:
    selector = f"{objects.LABEL_INSTANCE}={instance}"
    pods = [p for p in fake.objects("pods", labels=selector) if (p.get("status") or {}).get("phase") == "Running"]
    return pods + fake.objects("sandboxclaims", labels=selector)


@pytest.mark.parametrize("mode", ["pods", "agent-sandbox"])
async def test_serve_kubernetes_plays_an_episode_and_cleans_up(tmp_path, catalog, mode, monkeypatch):
    cluster = fake_cluster(tmp_path, mode)
    monkeypatch.setenv("DEBUGBOX_K8S_KUBECONFIG", str(cluster.kubeconfig))
    monkeypatch.setenv("DEBUGBOX_K8S_MODE", mode)
    monkeypatch.setenv("DEBUGBOX_K8S_HEARTBEAT_S", "1")
    try:
        with http_server("--backend", "kubernetes", "--pool-size", "1") as (process, url):
            async with Client(url) as client:
                result = await solve_with_reference(client, catalog.tasks[TASK])
                assert result["score"] == 1.0
                started = await client.call_tool("start_task", {"task_id": TASK})  # left running for the kill
                assert not started.is_error
                status = json.loads((await client.read_resource("debugbox://status")).contents[0].text)
            assert status["sandbox"]["backend"] == "kubernetes" and status["sandbox"]["mode"] == mode
            dead = status["sandbox"]["instance"]
            assert sandboxes_of(cluster.fake, dead)
            process.send_signal(signal.SIGKILL)
            process.wait()
        await anyio.sleep(5)  # its Lease (renewed every second) is now 4 heartbeats old
        with http_server("--backend", "kubernetes", "--pool-size", "1") as (process, url):
            async with Client(url) as client:
                await client.list_tools()
                status = json.loads((await client.read_resource("debugbox://status")).contents[0].text)
            deadline = time.monotonic() + 20
            while sandboxes_of(cluster.fake, dead) and time.monotonic() < deadline:
                await anyio.sleep(0.2)
            assert sandboxes_of(cluster.fake, dead) == [], "the next server must reap a SIGKILLed server's sandboxes"
            live = status["sandbox"]["instance"]
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        assert sandboxes_of(cluster.fake, live) == []
        assert not [lease for lease in cluster.fake.objects("leases") if live in lease["metadata"]["name"]]
    finally:
        cluster.fake.stop()


def test_a_bad_kubernetes_setting_names_its_variable():
    args = argparse.Namespace()
    with pytest.raises(ConfigError, match="DEBUGBOX_K8S_NAMESPACE='Bad_Namespace'"):
        kubernetes_settings(args, {"DEBUGBOX_K8S_NAMESPACE": "Bad_Namespace"})
    with pytest.raises(ConfigError, match="DEBUGBOX_K8S_MODE='swarm'"):
        kubernetes_settings(args, {"DEBUGBOX_K8S_MODE": "swarm"})
    with pytest.raises(ConfigError, match="DEBUGBOX_MEMORY_MB='lots'"):
        kubernetes_settings(args, {"DEBUGBOX_MEMORY_MB": "lots"})
    settings = kubernetes_settings(args, {"DEBUGBOX_K8S_RUNTIME_CLASS": "gvisor", "DEBUGBOX_MEMORY_MB": "256", "DEBUGBOX_K8S_NAMESPACE": "sandboxes"})
    assert (settings.runtime_class, settings.memory_mb, settings.namespace) == ("gvisor", 256, "sandboxes")


def test_a_missing_kubeconfig_stops_the_server_with_what_to_set(tmp_path):
    with pytest.raises(RuntimeError, match="DEBUGBOX_K8S_KUBECONFIG"):
        env = {"DEBUGBOX_K8S_KUBECONFIG": str(tmp_path / "nowhere")}
        os.environ.update(env)
        try:
            with http_server("--backend", "kubernetes", timeout_s=30):
                pass
        finally:
            for key in env:
                os.environ.pop(key)


@pytest.mark.parametrize("command", ["serve", "serve-openenv"])
def test_a_kubeconfig_or_context_that_cannot_be_used_is_one_line_naming_the_variable(tmp_path, command):
    """It was a traceback (the SandboxError of the backend's start), with the variable at its end."""
    import subprocess
    import sys

    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\nusers: [{name: u, user: {token: x}}]\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for env, named in [({"DEBUGBOX_K8S_KUBECONFIG": str(tmp_path / "nowhere")}, "DEBUGBOX_K8S_KUBECONFIG"),
                       ({"DEBUGBOX_K8S_KUBECONFIG": str(kubeconfig), "DEBUGBOX_K8S_CONTEXT": "nope"}, "DEBUGBOX_K8S_CONTEXT")]:
        run = subprocess.run([sys.executable, "-m", "cli", command, "--backend", "kubernetes", *(["--transport", "http"] if command == "serve" else []), "--port", "1"],
                             cwd=root, env={**os.environ, "PYTHONPATH": root, **env}, capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-2000:]
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith("debugbox: the kubernetes backend failed: no usable Kubernetes configuration") and named in last, last
