"""The one place a sandbox backend is chosen."""

from __future__ import annotations

import logging
from typing import Literal

from sandbox.base import SandboxProvider
from sandbox.local import LocalProvider

log = logging.getLogger(__name__)

Backend = Literal["auto", "docker", "local"]


def make_provider(backend: Backend = "auto") -> SandboxProvider:
    if backend == "local":
        return LocalProvider()
    raise ValueError(f"unknown backend {backend!r}: choose auto, docker or local")
