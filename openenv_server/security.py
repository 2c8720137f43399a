"""Bind and token rules for the OpenEnv server, the same as for HTTP MCP (mcp_server/http.py): loopback
by default, a bearer token required on any other address, browser Origins refused unless allowed.

The front ends may not import each other (DESIGN.md, Layout), and mcp_server's version rests on the
MCP SDK's auth middleware; this is the same small logic without it, kept deliberately minimal.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from environment.registry import LOCAL_OWNER

# Only the OpenEnv image (Dockerfile.openenv) carries this file: the one place a token-less
# non-loopback bind is allowed, since its container is the boundary and its published port the way in.
IMAGE_MARKER = Path("/opt/debugbox/openenv-image")

LOCAL_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


class ConfigError(Exception):
    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_token(spec: str) -> tuple[str, str]:
    """`NAME=TOKEN` names the caller (episode ownership, limits); a bare token is named by its digest."""
    name, sep, token = spec.partition("=")
    if not sep:
        name, token = "token-" + hashlib.sha256(spec.encode()).hexdigest()[:8], spec
    if len(token) < 16:
        raise ConfigError(f"auth token for {name!r} is too short: use at least 16 characters (e.g. `openssl rand -hex 32`)")
    return name, token


def origin_allowed(origin: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        if origin == pattern or (pattern.endswith(":*") and origin.startswith(pattern[:-1]) and origin[len(pattern) - 1 :].isdigit()):
            return True
    return False


@dataclass
class Security:
    host: str
    tokens: dict[str, str]  # name -> token
    allowed_origins: list[str]

    @classmethod
    def build(cls, host: str, token_specs: list[str], origins: list[str], container_boundary: bool = False) -> Security:
        """container_boundary: the OpenEnv image's own server, reached only through the port its
        container publishes (OpenEnv clients send no token); the one exception to the token rule."""
        tokens = dict(parse_token(spec) for spec in token_specs if spec.strip())
        if container_boundary and not IMAGE_MARKER.exists():
            # Outside the image nothing but a token stands between the network and the episodes' code
            # (the local backend is process isolation only): the flag is refused there.
            raise ConfigError(
                f"--container-boundary is only for the debugbox OpenEnv image (its marker {IMAGE_MARKER} is missing here). "
                "Serve on loopback, or pass --auth-token (or DEBUGBOX_AUTH_TOKENS) to serve on another address."
            )
        if not is_loopback(host) and not tokens and not container_boundary:
            raise ConfigError(
                f"refusing to serve on {host}: any address but loopback needs a bearer token. "
                "Pass --auth-token (or DEBUGBOX_AUTH_TOKENS) with a secret of 16+ characters."
            )
        return cls(host=host, tokens=tokens, allowed_origins=[*LOCAL_ORIGINS, *origins])

    def caller(self, headers: dict[str, str]) -> str | None:
        """The caller's name, LOCAL_OWNER without tokens, None when refused (bad or missing token)."""
        if not self.tokens:
            return LOCAL_OWNER
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        for name, expected in self.tokens.items():
            if hmac.compare_digest(token.strip().encode(), expected.encode()):
                return name
        return None

    def origin_ok(self, headers: dict[str, str]) -> bool:
        origin = headers.get("origin")
        return origin is None or origin_allowed(origin, self.allowed_origins)
