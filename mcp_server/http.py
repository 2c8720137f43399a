"""Streamable HTTP serving: bearer tokens, Origin checks, a health endpoint.

Binding anything but loopback requires a token. Tokens are checked by the MCP SDK's own bearer
middleware (a static TokenVerifier), so a tool can ask who is calling (`caller()`), which is
what the per-token episode limit and episode ownership rest on.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from environment.registry import LOCAL_OWNER

LOCAL_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
LOCAL_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost"]


class HttpConfigError(Exception):
    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_token(spec: str) -> tuple[str, str]:
    """`NAME=TOKEN` names the caller in limits and logs; a bare token gets a name from its digest."""
    name, sep, token = spec.partition("=")
    if not sep:
        name, token = "token-" + hashlib.sha256(spec.encode()).hexdigest()[:8], spec
    if len(token) < 16:
        raise HttpConfigError(f"auth token for {name!r} is too short: use at least 16 characters (e.g. `openssl rand -hex 32`)")
    return name, token


@dataclass
class StaticTokenVerifier:
    """Accepts exactly the configured tokens, compared in constant time."""

    tokens: dict[str, str] = field(default_factory=dict)  # name -> token

    async def verify_token(self, token: str) -> AccessToken | None:
        for name, expected in self.tokens.items():
            if hmac.compare_digest(token.encode(), expected.encode()):
                return AccessToken(token=token, client_id=name, scopes=[])
        return None


@dataclass
class HttpSecurity:
    host: str
    port: int
    tokens: dict[str, str]
    allowed_origins: list[str]

    @classmethod
    def build(cls, host: str, port: int, token_specs: list[str], origins: list[str]) -> HttpSecurity:
        tokens = dict(parse_token(spec) for spec in token_specs if spec.strip())
        if not is_loopback(host) and not tokens:
            raise HttpConfigError(
                f"refusing to serve on {host}: any address but loopback needs a bearer token. "
                "Pass --auth-token (or DEBUGBOX_AUTH_TOKENS) with a secret of 16+ characters."
            )
        return cls(host=host, port=port, tokens=tokens, allowed_origins=[*LOCAL_ORIGINS, *origins])

    def auth_settings(self) -> AuthSettings | None:
        if not self.tokens:
            return None
        base = f"http://{self.host if is_loopback(self.host) else 'localhost'}:{self.port}"
        return AuthSettings(issuer_url=base, resource_server_url=f"{base}/mcp", validate_token_resource=False)

    def verifier(self) -> StaticTokenVerifier | None:
        return StaticTokenVerifier(self.tokens) if self.tokens else None

    def transport_security(self) -> TransportSecuritySettings:
        # Host checks guard loopback servers against DNS rebinding; a remote server is reached by
        # names we cannot know, and its bearer token is what protects it.
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=is_loopback(self.host),
            allowed_hosts=LOCAL_HOSTS,
            allowed_origins=self.allowed_origins,
        )


def origin_allowed(origin: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        if origin == pattern or (pattern.endswith(":*") and origin.startswith(pattern[:-1]) and origin[len(pattern) - 1 :].isdigit()):
            return True
    return False


class OriginGuard:
    """Refuses browser requests from origins not on the list (a request without Origin is not a
    browser's and passes), on every bind address, before authentication."""

    def __init__(self, app: ASGIApp, allowed: list[str]):
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            origin = dict(scope.get("headers") or []).get(b"origin")
            if origin is not None and not origin_allowed(origin.decode("latin-1"), self.allowed):
                body = b'{"error": "origin not allowed"}'
                await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def caller() -> str:
    """Who is calling: the token's name over authenticated HTTP, else the single local user."""
    token = get_access_token()
    return token.client_id if token is not None else LOCAL_OWNER


class UvicornServer:
    """uvicorn, stopped by the caller: debugbox's own signal handling asks it to stop (it finishes
    the requests in flight, up to a grace period, and shuts the MCP session manager down through
    the lifespan) and then removes the sandboxes. Left to itself, uvicorn would take SIGTERM,
    re-raise it after its shutdown and kill the process before the sandboxes were removed; and
    cancelling it instead logs a CancelledError traceback from the lifespan."""

    GRACE_S = 2  # after debugbox's own drain (cli/serve.py): only streams still open

    def __init__(self, app: ASGIApp, host: str, port: int):
        import uvicorn

        class _NoSignalCapture(uvicorn.Server):
            @contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=self.GRACE_S)
        self._server = _NoSignalCapture(config)

    async def serve(self) -> None:
        await self._server.serve()

    def stop(self) -> None:
        self._server.should_exit = True
