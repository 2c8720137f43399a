"""attrs classes back to plain data and text, and the difference between two configurations."""

from __future__ import annotations

import attrs

from svcconf.converters import DEFAULT_HEADERS
from svcconf.schema import Service


def to_dict(service: Service) -> dict:
    return attrs.asdict(service, recurse=True)


def _format_duration(seconds: float) -> str:
    if seconds and seconds < 1:
        return f"{round(seconds * 1000)}ms"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _format_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value)
    text = str(value)
    return f'"{text}"' if ("," in text or text != text.strip()) else text


def to_text(service: Service) -> str:
    """The service in the file format; loading it back gives an equal service."""
    lines = ["[service]", f"name = {service.name}", f"port = {service.port}", f"log_level = {service.log_level}"]
    lines.append(f"debug = {_format_value(service.debug)}")
    if service.tags:
        lines.append(f"tags = {_format_value(service.tags)}")
    own_headers = {k: v for k, v in service.headers.items() if DEFAULT_HEADERS.get(k) != v}
    if own_headers:
        lines += ["", "[headers]"] + [f"{k} = {v}" for k, v in own_headers.items()]
    limits = service.limits
    lines += ["", "[limits]", f"max_body = {limits.max_body}", f"rate_per_minute = {limits.rate_per_minute}", f"concurrency = {limits.concurrency}"]
    for upstream in service.upstreams.values():
        lines += ["", f"[upstream:{upstream.name}]", f"url = {upstream.url}", f"timeout = {_format_duration(upstream.timeout)}"]
        lines.append(f"weight = {upstream.weight}")
        lines.append(f"retry.attempts = {upstream.retry.attempts}")
        lines.append(f"retry.backoff = {_format_duration(upstream.retry.backoff)}")
        lines.append(f"retry.on_status = {_format_value(upstream.retry.on_status)}")
        own = {k: v for k, v in upstream.headers.items() if DEFAULT_HEADERS.get(k) != v}
        if own:
            lines.append("headers = " + _format_value("; ".join(f"{k}={v}" for k, v in own.items())))
    return "\n".join(lines) + "\n"


def _flatten(data, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    else:
        flat[prefix] = data
    return flat


def diff(old: Service, new: Service) -> list[str]:
    """`path: old -> new` for every value that differs, sorted by path."""
    a, b = _flatten(to_dict(old)), _flatten(to_dict(new))
    out = []
    for path in sorted(set(a) | set(b)):
        if a.get(path, "<unset>") != b.get(path, "<unset>"):
            out.append(f"{path}: {a.get(path, '<unset>')!r} -> {b.get(path, '<unset>')!r}")
    return out
