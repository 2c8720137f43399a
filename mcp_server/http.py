"""Streamable HTTP serving: bearer tokens, Origin checks, a health endpoint.

Binding anything but loopback requires a token. Tokens are checked by the MCP SDK's own bearer
middleware (a static TokenVerifier), so a tool can ask who is calling (`caller()`), which is
what the per-token episode limit and episode ownership rest on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from environment.access import (
    LOCAL_HOSTS,
    LOCAL_ORIGINS,
    AccessConfigError,
    is_loopback,
    origin_allowed,
    parse_tokens,
    require_token_off_loopback,
    token_owner,
)
from environment.registry import LOCAL_OWNER

HttpConfigError = AccessConfigError  # the bind and token rules are environment/access.py's, shared with OpenEnv


@dataclass
class StaticTokenVerifier:
    """Accepts exactly the configured tokens, compared in constant time."""

    tokens: dict[str, str] = field(default_factory=dict)  # name -> token

    async def verify_token(self, token: str) -> AccessToken | None:
        name = token_owner(self.tokens, token)
        return AccessToken(token=token, client_id=name, scopes=[]) if name is not None else None


@dataclass
class HttpSecurity:
    host: str
    port: int
    tokens: dict[str, str]
    allowed_origins: list[str]

    @classmethod
    def build(cls, host: str, port: int, token_specs: list[str], origins: list[str]) -> HttpSecurity:
        tokens = parse_tokens(token_specs)
        require_token_off_loopback(host, tokens)
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
