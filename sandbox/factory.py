"""The one place a sandbox backend is chosen."""

from __future__ import annotations

import logging
from typing import Literal

from sandbox.base import SandboxProvider
from sandbox.local import LocalProvider

log = logging.getLogger(__name__)

Backend = Literal["auto", "docker", "local", "kubernetes"]


class BackendUnavailable(Exception):
    pass


def make_provider(
    backend: Backend = "auto", docker_settings=None, kubernetes_settings=None, local_confine: bool = False, local_hide=()
) -> SandboxProvider:
    """`auto` is docker when an engine answers, else local (process isolation only) with a warning;
    `kubernetes` is never chosen by itself (it needs a cluster named by its settings).
    local_confine: the local backend's runs have no network and only their own files, and cannot
    read local_hide (the task packs): sandbox/confine.py."""
    if backend not in ("auto", "docker", "local", "kubernetes"):
        raise ValueError(f"unknown backend {backend!r}: choose auto, docker, local or kubernetes")
    wheel_cache = getattr(docker_settings, "wheel_cache", None)  # task environments' wheels: one cache for both backends
    if backend == "local":
        return LocalProvider(wheel_cache=wheel_cache, confine=local_confine, hide=tuple(local_hide))
    if backend == "kubernetes":
        from sandbox.kubernetes.provider import KubernetesProvider

        return KubernetesProvider(kubernetes_settings)
    from sandbox.docker.engine import engine_answers
    from sandbox.docker.provider import DockerProvider

    if engine_answers():
        return DockerProvider(docker_settings)
    if backend == "docker":
        raise BackendUnavailable(
            "no Docker engine answers (is dockerd running and is DOCKER_HOST right?). "
            "Start one, or pass --backend local for process isolation only."
        )
    log.warning("no Docker engine answers: using the local backend, which isolates processes only (not a security boundary)")
    return LocalProvider(wheel_cache=wheel_cache, confine=local_confine, hide=tuple(local_hide))
