"""The pipeline: built-in defaults, shared defaults, the service's file, the environment."""

from __future__ import annotations

from typing import Mapping

from svcconf.errors import ConfigError
from svcconf.interpolate import resolve
from svcconf.layers import env_overrides, merge_all
from svcconf.parse import parse
from svcconf.registry import ServiceRegistry
from svcconf.schema import Service
from svcconf.structure import structure

BUILTIN_DEFAULTS: dict = {"log_level": "INFO", "limits": {"rate_per_minute": "600"}}


def raw_layers(text: str, *, shared_defaults: str | None = None, source: str = "") -> list[dict]:
    layers = [BUILTIN_DEFAULTS]
    if shared_defaults:
        shared = parse(shared_defaults, source="defaults")
        if "name" in shared:
            raise ConfigError("the shared defaults cannot set a service name", "name", source="defaults")
        layers.append(shared)
    layers.append(parse(text, source=source))
    return layers


def load_service(
    text: str,
    *,
    shared_defaults: str | None = None,
    environ: Mapping[str, str] | None = None,
    source: str = "",
) -> Service:
    """One service's effective configuration."""
    raw = merge_all(raw_layers(text, shared_defaults=shared_defaults, source=source))
    if environ:
        raw = merge_all([raw, env_overrides(raw, environ)])
    if "name" not in raw:
        raise ConfigError("the [service] section must set a name", "name", source=source)
    try:
        return structure(Service, resolve(raw, environ))
    except ConfigError as exc:
        raise ConfigError(exc.message, exc.path, exc.line, source or exc.source) from None


def load_services(texts: Mapping[str, str], *, shared_defaults: str | None = None) -> ServiceRegistry:
    """Every service of a fleet, by file name; the first error stops the load and names its file."""
    registry = ServiceRegistry()
    for source, text in texts.items():
        registry.add(load_service(text, shared_defaults=shared_defaults, source=source))
    return registry
