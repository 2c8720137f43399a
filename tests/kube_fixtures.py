"""The cluster the Kubernetes tests run against: the fake API server (always), or a real cluster
when DEBUGBOX_K8S_TEST_KUBECONFIG names a kubeconfig (the `kubernetes` marker; see docs/SCALING.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

import yaml

from sandbox.kubernetes.settings import KubernetesSettings
from tests.fake_kube.server import FakeKube

REAL_KUBECONFIG = "DEBUGBOX_K8S_TEST_KUBECONFIG"
NAMESPACE = "debugbox"
AGENT_SANDBOX_OVERLAY = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes" / "overlays" / "agent-sandbox"


@dataclass
class Cluster:
    kubeconfig: Path
    mode: str
    fake: FakeKube | None  # None on a real cluster

    def settings(self, **overrides) -> KubernetesSettings:
        values = {"kubeconfig": str(self.kubeconfig), "mode": self.mode, "namespace": os.environ.get("DEBUGBOX_K8S_TEST_NAMESPACE", NAMESPACE), "pool_size": 1, **overrides}
        if self.fake is None and os.environ.get("DEBUGBOX_K8S_TEST_IMAGE"):
            values.setdefault("image", os.environ["DEBUGBOX_K8S_TEST_IMAGE"])
        return KubernetesSettings(**values)


def template_and_pool() -> list[dict]:
    """The SandboxTemplate and SandboxWarmPool of deploy/kubernetes, as an operator applies them."""
    return [yaml.safe_load((AGENT_SANDBOX_OVERLAY / name).read_text()) for name in ("sandboxtemplate.yaml", "sandboxwarmpool.yaml")]


def deployed_role(mode: str) -> dict:
    """The RBAC Role deploy/kubernetes grants the server in this mode."""
    rbac = AGENT_SANDBOX_OVERLAY.parent / mode / "rbac.yaml"
    return next(d for d in yaml.safe_load_all(rbac.read_text()) if d and d["kind"] == "Role")


def fake_cluster(tmp_path: Path, mode: str, *, replicas: int | None = None, **fake_options) -> Cluster:
    """The server's token holds exactly the deploy files' Role for the mode."""
    fake_options.setdefault("role", deployed_role(mode))
    fake = FakeKube(agent_sandbox=mode == "agent-sandbox", **fake_options).start()
    cluster = Cluster(fake.write_kubeconfig(tmp_path / "kubeconfig"), mode, fake)
    if mode == "agent-sandbox":
        for obj in template_and_pool():
            if replicas is not None and obj["kind"] == "SandboxWarmPool":
                obj["spec"]["replicas"] = replicas
            fake.apply(obj)
    return cluster


def docker_fake_cluster(tmp_path: Path, mode: str) -> Cluster:
    """Pods backed by containers of the sandbox image (DEBUGBOX_IMAGE, built if missing)."""
    from sandbox.docker.engine import engine_client
    from sandbox.images.sandbox_image import SANDBOX_IMAGE, ensure_sandbox_image
    from tests.conftest import require_docker

    require_docker()
    image = os.environ.get("DEBUGBOX_IMAGE") or SANDBOX_IMAGE
    ensure_sandbox_image(engine_client(), tag=image)
    return fake_cluster(tmp_path, mode, replicas=2, docker_image=image)


def real_cluster(mode: str) -> Cluster:
    """A real cluster: its operator applied deploy/kubernetes (the template and warm pool for agent-sandbox mode)."""
    kubeconfig = os.environ.get(REAL_KUBECONFIG)
    if not kubeconfig:
        pytest.skip(f"no real cluster: set {REAL_KUBECONFIG} to a kubeconfig (and apply deploy/kubernetes) to run these against one")
    return Cluster(Path(kubeconfig), mode, None)


@pytest.fixture(params=["pods", "agent-sandbox"])
def mode(request) -> str:
    return request.param


@pytest.fixture(params=["fake", "fake-docker", pytest.param("real", marks=pytest.mark.kubernetes)])
def cluster(request, tmp_path, mode):
    """fake: pods are local runner processes; fake-docker: containers of the sandbox image."""
    if request.param == "real":
        yield real_cluster(mode)
        return
    cluster = docker_fake_cluster(tmp_path, mode) if request.param == "fake-docker" else fake_cluster(tmp_path, mode)
    try:
        yield cluster
    finally:
        cluster.fake.stop()


@pytest.fixture
def docker_fake(tmp_path, mode):
    cluster = docker_fake_cluster(tmp_path, mode)
    try:
        yield cluster
    finally:
        cluster.fake.stop()


@pytest.fixture
def fake(tmp_path, mode):
    """Tests that look inside the cluster's machinery (eviction, garbage collection, request counts)."""
    cluster = fake_cluster(tmp_path, mode)
    try:
        yield cluster
    finally:
        cluster.fake.stop()
