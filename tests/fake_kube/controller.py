"""The fake cluster's controllers: pod lifecycle (start, ready, activeDeadlineSeconds, eviction),
garbage collection by ownerReference, and agent-sandbox's warm pool and claim controllers
(SandboxWarmPool keeps `replicas` ready Sandboxes of its SandboxTemplate; a SandboxClaim adopts a
ready one, or waits for one; deleting a claim with shutdownPolicy Delete deletes its Sandbox and
pod; a claim past its shutdownTime is deleted)."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.fake_kube.pods import Kubelet
from tests.fake_kube.store import Store

POOL_LABEL = "agents.x-k8s.io/warm-pool"
CLAIM_LABEL = "agents.x-k8s.io/claim"
POD_NAME_ANNOTATION = "agents.x-k8s.io/pod-name"
SANDBOX_API = "agents.x-k8s.io/v1beta1"


def _now() -> datetime:
    return datetime.now(UTC)


def _owner(obj: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"], "controller": True}


def _ready(condition: bool, reason: str, message: str = "") -> list[dict[str, Any]]:
    return [{
        "type": "Ready", "status": "True" if condition else "False", "reason": reason, "message": message,
        "lastTransitionTime": _now().strftime("%Y-%m-%dT%H:%M:%SZ"), "observedGeneration": 1,
    }]


class Controller:
    def __init__(self, store: Store, kubelet: Kubelet, *, pod_start_delay_s: float = 0.0):
        self.store = store
        self.kubelet = kubelet
        self.pod_start_delay_s = pod_start_delay_s
        self._lock = asyncio.Lock()
        self._started: dict[str, float] = {}  # pod key -> when it started running (for activeDeadlineSeconds)
        self.evicted: list[str] = []

    # -- pods ------------------------------------------------------------------------------

    async def pod_created(self, namespace: str, pod: dict[str, Any]) -> None:
        asyncio.get_running_loop().create_task(self._start_pod(namespace, pod["metadata"]["name"]))

    async def _start_pod(self, namespace: str, name: str) -> None:
        await asyncio.sleep(self.pod_start_delay_s)
        pod = self.store.get("pods", namespace, name)
        if pod is None:
            return
        if hasattr(self.kubelet, "start_async"):
            try:
                await self.kubelet.start_async(pod)
            except Exception as exc:  # the runtime could not create it: the pod fails as on a node
                await self.fail_pod(namespace, name, "ContainerCreateError", str(exc)[:300])
                return
            if self.store.get("pods", namespace, name) is None:  # deleted while starting
                await self.kubelet.stop(name)
                return
        else:
            self.kubelet.start(pod)
        self._started[f"{namespace}/{name}"] = asyncio.get_running_loop().time()
        container = pod["spec"]["containers"][0]

        def running(obj: dict[str, Any]) -> None:
            obj["status"] = {
                "phase": "Running",
                "podIP": "10.0.0.1",
                "startTime": _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
                "containerStatuses": [{
                    "name": container["name"], "image": container["image"], "imageID": "", "ready": True,
                    "restartCount": 0, "started": True, "state": {"running": {"startedAt": _now().strftime("%Y-%m-%dT%H:%M:%SZ")}},
                }],
            }

        await self.store.update("pods", namespace, name, running)
        await self.reconcile(namespace)

    async def fail_pod(self, namespace: str, name: str, reason: str, message: str) -> bool:
        """The node ends the pod (evicted, deadline exceeded, node lost): processes killed, phase Failed."""
        await self.kubelet.stop(name)

        def failed(obj: dict[str, Any]) -> None:
            status = obj.setdefault("status", {})
            status.update(phase="Failed", reason=reason, message=message, conditions=[{"type": "Ready", "status": "False", "reason": reason}])

        done = await self.store.update("pods", namespace, name, failed) is not None
        if done and reason == "Evicted":
            self.evicted.append(name)
        await self.reconcile(namespace)
        return done

    async def object_deleted(self, namespace: str, resource: str, obj: dict[str, Any]) -> None:
        """Garbage collection: whatever names the deleted object as its owner goes too."""
        if resource == "pods":
            await self.kubelet.stop(obj["metadata"]["name"])
        uid = obj["metadata"]["uid"]
        for (res, ns, name), other in list(self.store.objects.items()):
            if ns == namespace and any(ref.get("uid") == uid for ref in other["metadata"].get("ownerReferences") or []):
                gone = await self.store.delete(res, ns, name)
                if gone is not None:
                    await self.object_deleted(ns, res, gone)
        await self.reconcile(namespace)

    async def tick(self) -> None:
        """Deadlines: a pod past activeDeadlineSeconds fails; a claim past shutdownTime is deleted."""
        loop_now = asyncio.get_running_loop().time()
        for (res, ns, name), obj in list(self.store.objects.items()):
            if res == "pods":
                deadline = obj["spec"].get("activeDeadlineSeconds")
                started = self._started.get(f"{ns}/{name}")
                if deadline and started is not None and loop_now - started > deadline and (obj.get("status") or {}).get("phase") == "Running":
                    await self.fail_pod(ns, name, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
            elif res == "sandboxclaims":
                lifecycle = obj["spec"].get("lifecycle") or {}
                shutdown = lifecycle.get("shutdownTime")
                if shutdown and datetime.fromisoformat(shutdown.replace("Z", "+00:00")) <= _now() and lifecycle.get("shutdownPolicy") in ("Delete", "DeleteForeground"):
                    gone = await self.store.delete(res, ns, name)
                    if gone is not None:
                        await self.object_deleted(ns, res, gone)

    # -- agent-sandbox ---------------------------------------------------------------------

    async def reconcile(self, namespace: str) -> None:
        async with self._lock:
            await self._sandboxes_ready(namespace)
            await self._claims(namespace)
            await self._pools(namespace)

    async def _sandboxes_ready(self, namespace: str) -> None:
        for sandbox in self.store.list("sandboxes", namespace):
            pod = self.store.get("pods", namespace, sandbox["metadata"]["name"])
            phase = ((pod or {}).get("status") or {}).get("phase")
            ready = phase == "Running"
            current = [c for c in (sandbox.get("status") or {}).get("conditions") or [] if c["type"] == "Ready"]
            if current and (current[0]["status"] == "True") == ready:
                continue
            reason = "DependenciesReady" if ready else ("PodFailed" if phase == "Failed" else "DependenciesNotReady")

            def set_status(obj: dict[str, Any], ready=ready, reason=reason) -> None:
                obj["status"] = {"conditions": _ready(ready, reason), "podIPs": ["10.0.0.1"] if ready else []}

            await self.store.update("sandboxes", namespace, sandbox["metadata"]["name"], set_status)

    async def _claims(self, namespace: str) -> None:
        for claim in self.store.list("sandboxclaims", namespace):
            status = claim.get("status") or {}
            name = claim["metadata"]["name"]
            bound = (status.get("sandbox") or {}).get("name")
            if bound:
                sandbox = self.store.get("sandboxes", namespace, bound)
                conditions = _ready(False, "SandboxMissing") if sandbox is None else (sandbox.get("status") or {}).get("conditions")
                if conditions and conditions[0]["status"] != ((status.get("conditions") or [{}])[0]).get("status"):
                    await self.store.update("sandboxclaims", namespace, name, lambda o, c=conditions: o["status"].update(conditions=c))
                continue
            pool_name = claim["spec"]["warmPoolRef"]["name"]
            if self.store.get("sandboxwarmpools", namespace, pool_name) is None:
                if (status.get("conditions") or [{}])[0].get("reason") != "WarmPoolNotFound":
                    message = f'SandboxWarmPool "{pool_name}" not found'
                    await self.store.update("sandboxclaims", namespace, name, lambda o, m=message: o.update(status={"conditions": _ready(False, "WarmPoolNotFound", m)}))
                continue
            ready = [
                s for s in self.store.list("sandboxes", namespace, f"{POOL_LABEL}={pool_name}")
                if ((s.get("status") or {}).get("conditions") or [{}])[0].get("status") == "True"
            ]
            if not ready:
                continue  # adopted when one is ready (the pool grows to cover the claim)
            await self._adopt(namespace, claim, ready[0])

    async def _adopt(self, namespace: str, claim: dict[str, Any], sandbox: dict[str, Any]) -> None:
        name = sandbox["metadata"]["name"]
        extra = ((claim["spec"].get("additionalPodMetadata") or {}).get("labels")) or {}

        def take(obj: dict[str, Any]) -> None:
            labels = obj["metadata"].setdefault("labels", {})
            labels.pop(POOL_LABEL, None)
            labels[CLAIM_LABEL] = claim["metadata"]["name"]
            obj["metadata"]["ownerReferences"] = [_owner(claim, "extensions.agents.x-k8s.io/v1beta1", "SandboxClaim")]

        await self.store.update("sandboxes", namespace, name, take)
        await self.store.update("pods", namespace, name, lambda o: o["metadata"].setdefault("labels", {}).update(extra))
        conditions = sandbox["status"]["conditions"]
        await self.store.update(
            "sandboxclaims", namespace, claim["metadata"]["name"],
            lambda o: o.update(status={"sandbox": {"name": name, "podIPs": ["10.0.0.1"]}, "conditions": conditions}),
        )

    async def _pools(self, namespace: str) -> None:
        waiting = {}
        for claim in self.store.list("sandboxclaims", namespace):
            if not ((claim.get("status") or {}).get("sandbox") or {}).get("name"):
                pool_name = claim["spec"]["warmPoolRef"]["name"]
                waiting[pool_name] = waiting.get(pool_name, 0) + 1
        for pool in self.store.list("sandboxwarmpools", namespace):
            pool_name = pool["metadata"]["name"]
            template = self.store.get("sandboxtemplates", namespace, pool["spec"]["sandboxTemplateRef"]["name"])
            if template is None:
                continue
            have = self.store.list("sandboxes", namespace, f"{POOL_LABEL}={pool_name}")
            for _ in range(int(pool["spec"].get("replicas") or 0) + waiting.get(pool_name, 0) - len(have)):
                await self._new_sandbox(namespace, pool, template)
            ready = sum(1 for s in have if ((s.get("status") or {}).get("conditions") or [{}])[0].get("status") == "True")
            if (pool.get("status") or {}).get("readyReplicas") != ready or (pool.get("status") or {}).get("replicas") != len(have):
                await self.store.update("sandboxwarmpools", namespace, pool_name, lambda o, r=ready, n=len(have): o.update(status={"replicas": n, "readyReplicas": r, "observedGeneration": 1}))

    async def _new_sandbox(self, namespace: str, pool: dict[str, Any], template: dict[str, Any]) -> None:
        name = f"{pool['metadata']['name']}-{uuid.uuid4().hex[:5]}"
        pod_template = copy.deepcopy(template["spec"]["podTemplate"])
        sandbox = await self.store.create("sandboxes", namespace, {
            "apiVersion": SANDBOX_API, "kind": "Sandbox",
            "metadata": {
                "name": name, "labels": {POOL_LABEL: pool["metadata"]["name"]}, "annotations": {POD_NAME_ANNOTATION: name},
                "ownerReferences": [_owner(pool, "extensions.agents.x-k8s.io/v1beta1", "SandboxWarmPool")],
            },
            "spec": {"podTemplate": pod_template},
        })
        metadata = pod_template.get("metadata") or {}
        pod = await self.store.create("pods", namespace, {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": dict(metadata.get("labels") or {}), "ownerReferences": [_owner(sandbox, SANDBOX_API, "Sandbox")]},
            "spec": pod_template["spec"], "status": {"phase": "Pending"},
        })
        await self.pod_created(namespace, pod)
