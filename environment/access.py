"""Who may reach a server, shared by both front ends (mcp_server/http.py, openenv_server/security.py,
which may not import each other): loopback by default, a bearer token of 16+ characters on any
other address, tokens compared in constant time, browser Origins refused unless loopback or listed,
and on loopback the Host header checked against DNS rebinding. Pure: no protocol, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

LOCAL_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
LOCAL_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost"]
MIN_TOKEN_CHARS = 16


class AccessConfigError(Exception):
    """A bind address, token or origin the server must not start with."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_token(spec: str) -> tuple[str, str]:
    """`NAME=TOKEN` names the caller (episode ownership, limits, logs); a bare token is named by its digest."""
    name, sep, token = spec.partition("=")
    if not sep:
        name, token = "token-" + hashlib.sha256(spec.encode()).hexdigest()[:8], spec
    if len(token) < MIN_TOKEN_CHARS:
        raise AccessConfigError(f"auth token for {name!r} is too short: use at least {MIN_TOKEN_CHARS} characters (e.g. `openssl rand -hex 32`)")
    return name, token


def parse_tokens(specs: list[str]) -> dict[str, str]:
    """name -> token."""
    return dict(parse_token(spec) for spec in specs if spec.strip())


def require_token_off_loopback(host: str, tokens: dict[str, str]) -> None:
    if not is_loopback(host) and not tokens:
        raise AccessConfigError(
            f"refusing to serve on {host}: any address but loopback needs a bearer token. "
            "Pass --auth-token (or DEBUGBOX_AUTH_TOKENS) with a secret of 16+ characters."
        )


def token_owner(tokens: dict[str, str], presented: str) -> str | None:
    """The name of the token presented, compared in constant time; None if it is none of them."""
    for name, expected in tokens.items():
        if hmac.compare_digest(presented.encode(), expected.encode()):
            return name
    return None


def origin_allowed(origin: str, allowed: list[str]) -> bool:
    """`scheme://host:*` patterns match any numeric port; anything else matches exactly."""
    for pattern in allowed:
        if origin == pattern or (pattern.endswith(":*") and origin.startswith(pattern[:-1]) and origin[len(pattern) - 1 :].isdigit()):
            return True
    return False


def host_allowed(host: str, allowed: list[str] = LOCAL_HOSTS) -> bool:
    """A loopback server answers only requests addressed to a loopback name (DNS rebinding)."""
    return origin_allowed(host, allowed)
