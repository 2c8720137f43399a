"""Whose containers these are, and removing the ones nobody serves any more.

Each container is labelled with its server instance and an owner tag naming the server process;
a later server (at startup) removes those whose owner is gone, `debugbox cleanup` removes them all,
and `debugbox status` shows them grouped by server instance.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

from sandbox.docker.container import LABEL, LABEL_EPISODE, LABEL_INSTANCE, LABEL_OWNER, POOL_EPISODE
from sandbox.procstat import read_stat

log = logging.getLogger(__name__)


def _start_ticks(pid: int) -> str:
    stat = read_stat(pid)
    return "?" if stat is None else str(stat.start_ticks)


def owner_tag(pid: int | None = None) -> str:
    """host:pid:start-time of a server process; tells a live owner from a recycled pid."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def container_owner_tag(client: docker.DockerClient) -> str | None:
    """`container:<id>` when this server itself runs in a container of the same engine (the
    server image): its pid means nothing to a later server, its container id does."""
    if not os.path.exists("/.dockerenv"):
        return None
    try:
        info = client.api.inspect_container(socket.gethostname())
    except docker.errors.DockerException:
        return None
    return f"container:{info['Id']}" if info["Id"].startswith(socket.gethostname()) else None


def owner_is_alive(tag: str, client: docker.DockerClient | None = None) -> bool:
    if tag.startswith("container:"):
        if client is None:
            return True
        try:
            return bool(client.api.inspect_container(tag.partition(":")[2])["State"]["Running"])
        except docker.errors.NotFound:
            return False
    host, _, rest = tag.partition(":")
    pid, _, ticks = rest.partition(":")
    if host != socket.gethostname():
        return True  # another machine's server: not ours to judge
    return pid.isdigit() and _start_ticks(int(pid)) == ticks


def debugbox_containers(client: docker.DockerClient) -> list[dict[str, Any]]:
    return client.api.containers(all=True, filters={"label": LABEL})


def reap_orphans(client: docker.DockerClient) -> int:
    """Remove debugbox containers whose server instance is gone (startup cleanup)."""
    removed = 0
    for info in debugbox_containers(client):
        owner = (info.get("Labels") or {}).get(LABEL_OWNER, "")
        # A live server's container may be only "created" (being started right now): only the
        # owner's death or the container's own end makes it an orphan, never its state alone.
        if info.get("State") in ("exited", "dead") or not owner_is_alive(owner, client):
            try:
                client.api.remove_container(info["Id"], force=True)
                removed += 1
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                log.warning("could not remove container %s: %s", info["Id"][:12], exc)
    return removed


def remove_all(client: docker.DockerClient) -> int:
    """`debugbox cleanup`: remove every debugbox container, whoever owns it."""
    removed = 0
    for info in debugbox_containers(client):
        try:
            client.api.remove_container(info["Id"], force=True)
            removed += 1
        except docker.errors.NotFound:
            pass
    return removed


@dataclass
class InstanceContainers:
    """The containers of one server instance, as `debugbox status` shows them."""

    instance: str
    owner: str  # the owner tag of its first container (every container of an instance has the same)
    owner_alive: bool
    containers: list[dict[str, Any]]  # the engine's container summaries

    @property
    def pooled(self) -> int:
        """How many were created for the warm pool rather than for one named episode."""
        return sum(1 for info in self.containers if info["Labels"].get(LABEL_EPISODE) == POOL_EPISODE)


def containers_by_instance(client: docker.DockerClient) -> list[InstanceContainers]:
    """Every debugbox container, grouped by server instance (sorted), each group with its owner's
    liveness."""
    by_instance: dict[str, list[dict[str, Any]]] = {}
    for info in debugbox_containers(client):
        by_instance.setdefault(info["Labels"].get(LABEL_INSTANCE, "?"), []).append(info)
    groups = []
    for instance, infos in sorted(by_instance.items()):
        owner = infos[0]["Labels"].get(LABEL_OWNER, "?")
        groups.append(InstanceContainers(instance, owner, owner_is_alive(owner, client), infos))
    return groups
