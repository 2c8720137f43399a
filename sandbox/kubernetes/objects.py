"""The Kubernetes objects debugbox makes, as plain manifests (pure: no I/O).

Pods mode makes a Pod per sandbox; agent-sandbox mode makes a SandboxClaim against a warm pool of
the SandboxTemplate in deploy/kubernetes (whose pod spec is `pod_spec` here, checked by a test).
Every object carries the labels naming its server instance and episode, and an ownerReference to
the server's Lease, so that deleting the Lease (or the reaper finding it expired) removes them all.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.kubernetes.settings import KubernetesSettings

LABEL = "io.debugbox"
LABEL_INSTANCE = "io.debugbox.instance"
LABEL_EPISODE = "io.debugbox.episode"
ANNOTATION_EPISODE = "io.debugbox/episode-id"  # the whole id (a label value is cut to 63 characters)
POOL_EPISODE = "pool"
CONTAINER = "sandbox"
SANDBOX_USER = 65534

CLAIM_GROUP, CLAIM_VERSION, CLAIM_PLURAL = "extensions.agents.x-k8s.io", "v1beta1", "sandboxclaims"
SANDBOX_GROUP, SANDBOX_VERSION, SANDBOX_PLURAL = "agents.x-k8s.io", "v1beta1", "sandboxes"
POD_NAME_ANNOTATION = "agents.x-k8s.io/pod-name"  # on a Sandbox: its pod, when named apart from it

# The container's own process only waits for the end (SIGTERM at deletion ends it at once); the
# runner is started by the exec stream, one per sandbox.
IDLE_COMMAND = ["python3", "-c", "import signal; signal.sigwait({signal.SIGTERM, signal.SIGINT})"]


def runner_command(lifetime_s: int) -> list[str]:
    """The exec'd runner: /workspace, /tmp and /dev/shm are wiped after every run; the pod has an
    IPC namespace of its own, so System V objects are removed too."""
    return [
        "python3", "-u", "/opt/debugbox/runner.py", "--workdir", "/workspace",
        "--scratch", "/tmp", "--scratch", "/dev/shm", "--private-ipc", "--lifetime", str(lifetime_s),
    ]


def label_value(text: str) -> str:
    """A valid label value naming `text`: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", text)[:63].strip("._-")
    return cleaned or "x"


def labels(instance: str, episode_id: str) -> dict[str, str]:
    return {LABEL: "1", LABEL_INSTANCE: label_value(instance), LABEL_EPISODE: label_value(episode_id)}


def owner_reference(lease: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "name": lease["metadata"]["name"],
        "uid": lease["metadata"]["uid"],
    }


def lease_manifest(instance: str, holder: str, duration_s: int) -> dict[str, Any]:
    """One per server instance: renewed while it serves; its objects hang from it."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": f"debugbox-{instance}", "labels": {LABEL: "1", LABEL_INSTANCE: instance}},
        "spec": {"holderIdentity": holder[:253], "leaseDurationSeconds": duration_s, "renewTime": micro_time()},
    }


def micro_time(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def pod_spec(s: KubernetesSettings, *, image: str | None = None) -> dict[str, Any]:
    """The hardened sandbox pod: no service-account token, non-root, read-only root, no
    capabilities, RuntimeDefault seccomp, resource limits, in-memory /workspace and /tmp."""
    memory = f"{s.memory_mb}Mi"
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "activeDeadlineSeconds": s.lifetime_s,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 1,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": SANDBOX_USER,
            "runAsGroup": SANDBOX_USER,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": CONTAINER,
                "image": image or s.image,
                "command": IDLE_COMMAND,
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "privileged": False,
                    "capabilities": {"drop": ["ALL"]},
                },
                "resources": {
                    "limits": {"cpu": str(s.cpus), "memory": memory},
                    "requests": {"cpu": str(s.cpus), "memory": memory},
                },
                "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"}, {"name": "tmp", "mountPath": "/tmp"}],
            }
        ],
        "volumes": [
            {"name": "workspace", "emptyDir": {"medium": "Memory", "sizeLimit": f"{s.workspace_mb}Mi"}},
            {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": f"{s.tmp_mb}Mi"}},
        ],
    }
    if s.runtime_class:
        spec["runtimeClassName"] = s.runtime_class
    return spec


def pod_manifest(s: KubernetesSettings, *, instance: str, episode_id: str, lease: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"debugbox-{instance[:12]}-{secrets.token_hex(5)}",
            "labels": labels(instance, episode_id),
            "annotations": {ANNOTATION_EPISODE: episode_id[:256]},
            "ownerReferences": [owner_reference(lease)],
        },
        "spec": pod_spec(s),
    }


def claim_manifest(s: KubernetesSettings, *, instance: str, episode_id: str, lease: dict[str, Any]) -> dict[str, Any]:
    """No per-claim env or volumes: those force a cold start; the task's files come over the exec stream."""
    shutdown = datetime.now(UTC) + timedelta(seconds=s.lifetime_s)
    return {
        "apiVersion": f"{CLAIM_GROUP}/{CLAIM_VERSION}",
        "kind": "SandboxClaim",
        "metadata": {
            "name": f"debugbox-{instance[:12]}-{secrets.token_hex(5)}",
            "labels": labels(instance, episode_id),
            "annotations": {ANNOTATION_EPISODE: episode_id[:256]},
            "ownerReferences": [owner_reference(lease)],
        },
        "spec": {
            "warmPoolRef": {"name": s.warm_pool},
            "lifecycle": {"shutdownTime": shutdown.strftime("%Y-%m-%dT%H:%M:%SZ"), "shutdownPolicy": "Delete"},
            "additionalPodMetadata": {"labels": labels(instance, episode_id)},
        },
    }


def claim_state(claim: dict[str, Any]) -> tuple[str | None, bool, str | None]:
    """(sandbox name, ready, terminal failure) from a claim's status."""
    status = claim.get("status") or {}
    ready, failure = False, None
    for condition in status.get("conditions") or []:
        if condition.get("type") != "Ready":
            continue
        if condition.get("status") == "True":
            ready = True
        elif condition.get("reason") in TERMINAL_CLAIM_REASONS:
            failure = f"{condition.get('reason')}: {condition.get('message', '')}"
    sandbox = status.get("sandbox") or {}
    return sandbox.get("name") or None, ready, failure


# Ready=False reasons the claim controller does not recover from (agent-sandbox's Python client,
# k8s_agent_sandbox/constants.py, and its claim controller's computeReadyCondition).
TERMINAL_CLAIM_REASONS = frozenset({"TemplateNotFound", "WarmPoolNotFound", "InvalidMetadata", "EnvVarsInjectionRejected"})


def pod_state(pod: dict[str, Any]) -> tuple[bool, str | None]:
    """(ready, why it can never be) from a pod's status."""
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase in ("Failed", "Succeeded"):
        return False, f"the pod {phase.lower()} ({status.get('reason') or 'no reason given'}: {status.get('message') or ''})"
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError"):
            return False, f"its container cannot start ({waiting['reason']}: {waiting.get('message', '')})"
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return phase == "Running" and ready, None
