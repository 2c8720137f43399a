"""Bind and token rules for the OpenEnv server: environment/access.py's, as for HTTP MCP (loopback by
default, a bearer token required on any other address, browser Origins refused unless allowed, the
Host checked on loopback against DNS rebinding), plus the OpenEnv image's one exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from environment.access import (
    LOCAL_ORIGINS,
    AccessConfigError,
    host_allowed,
    is_loopback,
    origin_allowed,
    parse_tokens,
    require_token_off_loopback,
    token_owner,
)
from environment.registry import LOCAL_OWNER

# Only the OpenEnv image (Dockerfile.openenv) carries this file: the one place a token-less
# non-loopback bind is allowed, since its container is the boundary and its published port the way in.
IMAGE_MARKER = Path("/opt/debugbox/openenv-image")

ConfigError = AccessConfigError


@dataclass
class Security:
    host: str
    tokens: dict[str, str]  # name -> token
    allowed_origins: list[str]

    @classmethod
    def build(cls, host: str, token_specs: list[str], origins: list[str], container_boundary: bool = False) -> Security:
        """container_boundary: the OpenEnv image's own server, reached only through the port its
        container publishes (OpenEnv clients send no token); the one exception to the token rule."""
        tokens = parse_tokens(token_specs)
        if container_boundary and not IMAGE_MARKER.exists():
            # Outside the image nothing but a token stands between the network and the episodes' code
            # (the local backend is process isolation only): the flag is refused there.
            raise ConfigError(
                f"--container-boundary is only for the debugbox OpenEnv image (its marker {IMAGE_MARKER} is missing here). "
                "Serve on loopback, or pass --auth-token (or DEBUGBOX_AUTH_TOKENS) to serve on another address."
            )
        if not container_boundary:
            require_token_off_loopback(host, tokens)
        return cls(host=host, tokens=tokens, allowed_origins=[*LOCAL_ORIGINS, *origins])

    def caller(self, headers: dict[str, str]) -> str | None:
        """The caller's name, LOCAL_OWNER without tokens, None when refused (bad or missing token)."""
        if not self.tokens:
            return LOCAL_OWNER
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return token_owner(self.tokens, token.strip())

    def origin_ok(self, headers: dict[str, str]) -> bool:
        """A browser's Origin must be allowed; on loopback the Host must name loopback too (DNS rebinding)."""
        origin = headers.get("origin")
        if origin is not None and not origin_allowed(origin, self.allowed_origins):
            return False
        return not is_loopback(self.host) or host_allowed(headers.get("host", ""))
