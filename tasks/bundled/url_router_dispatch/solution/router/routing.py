"""A router: routes registered in order, matched by path and HTTP method."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from router.patterns import Pattern, compile_pattern


class NotFound(LookupError):
    """No route matches the path (HTTP 404)."""


class MethodNotAllowed(LookupError):
    """Routes match the path, but none accepts the method (HTTP 405)."""

    def __init__(self, method: str, path: str, allowed: Iterable[str]) -> None:
        self.allowed = sorted(allowed)
        super().__init__(f"{method} is not allowed for {path}; allowed: {', '.join(self.allowed)}")


@dataclass(frozen=True)
class Route:
    pattern: Pattern
    handler: Callable[..., Any]
    methods: frozenset[str]
    name: str | None


class Router:
    """Routes in registration order; the first one that fits a request wins."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._named: dict[str, Route] = {}

    def add(self, pattern: str, handler: Callable[..., Any], methods: Iterable[str] = ("GET",), name: str | None = None) -> None:
        """Register ``handler`` for ``pattern`` and the given HTTP methods."""
        if name is not None and name in self._named:
            raise ValueError(f"a route named {name!r} already exists")
        route = Route(compile_pattern(pattern), handler, frozenset(method.upper() for method in methods), name)
        self._routes.append(route)
        if name is not None:
            self._named[name] = route

    def match(self, method: str, path: str) -> tuple[Callable[..., Any], dict[str, Any]]:
        """Return the handler and parameters for a request; NotFound or MethodNotAllowed."""
        method = method.upper()
        allowed: set[str] = set()
        for route in self._routes:
            params = route.pattern.match(path)
            if params is None:
                continue
            if method in route.methods:
                return route.handler, params
            allowed |= route.methods
        if allowed:
            raise MethodNotAllowed(method, path, allowed)
        raise NotFound(path)

    def dispatch(self, method: str, path: str) -> Any:
        """Call the matching handler with the path parameters as keyword arguments."""
        handler, params = self.match(method, path)
        return handler(**params)

    def url_for(self, name: str, **params: Any) -> str:
        """Build the path of the route called ``name``."""
        return self._named[name].pattern.build(**params)
