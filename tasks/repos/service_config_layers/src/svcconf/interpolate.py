"""`${...}` references inside values, resolved after the layers are merged.

    ${port}                  another top-level key of the same service
    ${limits.max_body}       a dotted key
    ${env:HOSTNAME}          an environment variable (an error if it is unset)
    ${env:REGION:-eu-west}   ... with a default
    $${literal}              a literal "${literal}"

References may chain (a value referring to a value that refers to another) but not loop.
"""

from __future__ import annotations

import re
from typing import Mapping

from svcconf.errors import ConfigError

_REFERENCE = re.compile(r"\$\$|\$\{([^}]*)\}")
MAX_DEPTH = 16


def _lookup(raw: dict, dotted: str):
    node = raw
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _resolve_text(text: str, raw: dict, environ: Mapping[str, str], path: str, seen: tuple[str, ...]) -> str:
    if len(seen) > MAX_DEPTH:
        raise ConfigError("references nest too deeply", path)

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        ref = match.group(1).strip()
        if ref.startswith("env:"):
            name, _, default = ref[4:].partition(":-")
            if name in environ:
                return environ[name]
            if _ or default:
                return default
            raise ConfigError(f"environment variable {name!r} is not set", path)
        if ref in seen:
            raise ConfigError(f"reference loop: {' -> '.join(seen + (ref,))}", path)
        target = _lookup(raw, ref)
        if target is None or isinstance(target, dict):
            raise ConfigError(f"${{{ref}}} does not name a value", path)
        return _resolve_text(str(target), raw, environ, ref, seen + (ref,))

    return _REFERENCE.sub(replace, text)


def resolve(raw: dict, environ: Mapping[str, str] | None = None) -> dict:
    """A copy of `raw` with every reference replaced."""
    env = environ or {}

    def walk(node, path: str):
        if isinstance(node, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in node.items()}
        if isinstance(node, str) and "$" in node:
            return _resolve_text(node, raw, env, path, (path,))
        return node

    return walk(raw, "")
