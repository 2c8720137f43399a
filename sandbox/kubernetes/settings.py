"""The Kubernetes backend's settings: where (cluster, namespace), how (mode, template, warm pool,
runtime class) and how much (limits). One pydantic model; `debugbox serve` fills it from flags and
DEBUGBOX_K8S_* variables (cli/settings.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sandbox.images.sandbox_image import SANDBOX_IMAGE

Mode = Literal["auto", "agent-sandbox", "pods"]
# A Kubernetes name: DNS-1123 label (namespaces, templates, pools, runtime classes).
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class KubernetesSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode = Field(default="auto", description="agent-sandbox (claims from a warm pool), pods (bare pods), or auto: agent-sandbox when its CRDs are served")
    namespace: str = Field(default="debugbox", max_length=63, pattern=DNS_LABEL)
    kubeconfig: str | None = Field(default=None, description="kubeconfig file (default: in-cluster service account, else ~/.kube/config)")
    context: str | None = Field(default=None, max_length=253, description="kubeconfig context")
    template: str = Field(default="debugbox-sandbox", max_length=63, pattern=DNS_LABEL, description="SandboxTemplate the warm pool is made of")
    warm_pool: str = Field(default="debugbox-sandbox", max_length=63, pattern=DNS_LABEL, description="SandboxWarmPool each claim draws from")
    runtime_class: str | None = Field(default=None, max_length=63, pattern=DNS_LABEL, description="pods mode: runtimeClassName (gvisor, kata-qemu)")
    image: str = Field(default=SANDBOX_IMAGE, min_length=1, max_length=512, description="pods mode: the sandbox image")
    memory_mb: int = Field(default=512, ge=64, le=65536)
    cpus: float = Field(default=1.0, gt=0, le=64)
    workspace_mb: int = Field(default=64, ge=1, le=65536)
    tmp_mb: int = Field(default=16, ge=1, le=65536)
    lifetime_s: int = Field(default=7200, ge=60, le=7 * 86400, description="hard lifetime: activeDeadlineSeconds, the claim's shutdownTime, the runner's --lifetime")
    pool_size: int = Field(default=2, ge=0, le=256, description="pods mode: ready pods kept warm by this server")
    ready_timeout_s: float = Field(default=120.0, gt=0, le=3600, description="a claim or pod not ready by then is a sandbox failure")
    heartbeat_s: float = Field(default=15.0, ge=1, le=600, description="how often this server renews its Lease; a Lease unrenewed for 4x this is dead")
    reap_interval_s: float = Field(default=60.0, ge=1, le=3600, description="how often objects of dead server instances are looked for")
