"""Removing what dead server instances left: their pods and claims, found by label.

Each server instance holds a Lease it renews every heartbeat; its pods and claims carry its
instance label and an ownerReference to the Lease. An instance whose Lease is gone or has not been
renewed for LEASE_MISSES heartbeats is dead: its Lease is deleted (the cluster's garbage collector
then removes whatever hangs from it) and its labelled objects are deleted here as well, so that
nothing depends on the collector's timing or on an ownerReference that was never written.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sandbox.base import SandboxError
from sandbox.kubernetes.api import KubeApi
from sandbox.kubernetes.objects import LABEL, LABEL_INSTANCE, label_value, parse_time

log = logging.getLogger(__name__)

LEASE_MISSES = 4  # a Lease unrenewed for this many heartbeats belongs to a dead instance


def live_instances(leases: list[dict], heartbeat_s: float, now: datetime | None = None) -> tuple[set[str], list[str]]:
    """(instances whose Lease is fresh, names of stale Leases)."""
    now = now or datetime.now(UTC)
    alive, stale = set(), []
    for lease in leases:
        meta, spec = lease.get("metadata") or {}, lease.get("spec") or {}
        instance = (meta.get("labels") or {}).get(LABEL_INSTANCE)
        renewed = parse_time(spec.get("renewTime"))
        if instance and renewed is not None and now - renewed < timedelta(seconds=LEASE_MISSES * heartbeat_s):
            alive.add(instance)
        else:
            stale.append(meta.get("name", ""))
    return alive, stale


async def reap_dead_instances(api: KubeApi, own_instance: str, heartbeat_s: float, *, claims: bool) -> int:
    """Delete the objects of every instance but live ones; how many were deleted."""
    selector = f"{LABEL}=1"
    try:
        alive, stale = live_instances(await api.list_leases(selector), heartbeat_s)
        alive.add(label_value(own_instance))
        removed = 0
        if claims:
            for claim in await api.list_claims(selector):
                if _instance_of(claim) not in alive:
                    await api.delete_claim(claim["metadata"]["name"])
                    removed += 1
        else:
            # Pods are listed in pods mode only: agent-sandbox mode's RBAC grants no pod listing
            # (a claim's pod goes with its claim, and a claim's pod is never deleted directly).
            for pod in await api.list_pods(selector):
                if _instance_of(pod) not in alive and not _owned_by_a_sandbox(pod):
                    await api.delete_pod(pod["metadata"]["name"])
                    removed += 1
        for name in stale:
            await api.delete_lease(name)
    except SandboxError as exc:
        log.warning("could not look for objects of dead server instances: %s", exc)
        return 0
    if removed:
        log.info("removed %d pod(s)/claim(s) of server instances that are gone", removed)
    return removed


def _owned_by_a_sandbox(pod: dict) -> bool:
    return any(ref.get("kind") == "Sandbox" for ref in (pod.get("metadata") or {}).get("ownerReferences") or [])


def _instance_of(obj: dict) -> str | None:
    return ((obj.get("metadata") or {}).get("labels") or {}).get(LABEL_INSTANCE)
