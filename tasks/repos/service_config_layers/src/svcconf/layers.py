"""Layers: merging nested dicts, and overrides from the environment."""

from __future__ import annotations

from typing import Mapping

ENV_PREFIX = "SVC_"


def merge(base: dict, override: dict) -> dict:
    """A new dict: `override` on top of `base`, tables merged key by key, other values replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_all(layers: list[dict]) -> dict:
    result: dict = {}
    for layer in layers:
        result = merge(result, layer)
    return result


def _env_key(name: str) -> str:
    return name.upper().replace("-", "_").replace(".", "_")


def env_overrides(raw: dict, environ: Mapping[str, str], prefix: str = ENV_PREFIX) -> dict:
    """The layer the environment makes, for the keys `raw` (the merged file layers) could hold.

    `SVC_PORT=9000` sets `port`; `SVC_LIMITS_MAX_BODY=2MB` sets `limits.max_body`;
    `SVC_UPSTREAM_LEDGER_TIMEOUT=5s` sets `timeout` of upstream `ledger` (an upstream name's
    dashes are written as underscores). Only upstreams the files define can be overridden.
    """
    from svcconf.schema import Limits, Retry, Service, Upstream  # the schema names the keys

    import attrs

    layer: dict = {}
    wanted = {k: v for k, v in environ.items() if k.startswith(prefix)}
    if not wanted:
        return layer
    service_keys = [f.name for f in attrs.fields(Service) if f.name not in ("upstreams", "limits", "headers")]
    for key in service_keys:
        env = prefix + _env_key(key)
        if env in wanted:
            layer[key] = wanted[env]
    for f in attrs.fields(Limits):
        env = prefix + "LIMITS_" + _env_key(f.name)
        if env in wanted:
            layer.setdefault("limits", {})[f.name] = wanted[env]
    for upstream_name in raw.get("upstreams", {}):
        base = prefix + "UPSTREAM_" + _env_key(upstream_name) + "_"
        for f in attrs.fields(Upstream):
            if f.name in ("name", "retry", "headers"):
                continue
            if base + _env_key(f.name) in wanted:
                layer.setdefault("upstreams", {}).setdefault(upstream_name, {})[f.name] = wanted[base + _env_key(f.name)]
        for f in attrs.fields(Retry):
            env = base + "RETRY_" + _env_key(f.name)
            if env in wanted:
                layer.setdefault("upstreams", {}).setdefault(upstream_name, {}).setdefault("retry", {})[f.name] = wanted[env]
    return layer
