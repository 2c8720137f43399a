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


def make_provider(backend: Backend = "auto", docker_settings=None, kubernetes_settings=None) -> SandboxProvider:
    """`auto` is docker when an engine answers, else local (process isolation only) with a warning;
    `kubernetes` is never chosen by itself (it needs a cluster named by its settings)."""
    if backend not in ("auto", "docker", "local", "kubernetes"):
        raise ValueError(f"unknown backend {backend!r}: choose auto, docker, local or kubernetes")
    if backend == "local":
        return LocalProvider()
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
    return LocalProvider()
