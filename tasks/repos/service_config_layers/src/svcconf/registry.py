"""Many services at once: lookup, tags, and what each upstream call really sends."""

from __future__ import annotations

from dataclasses import dataclass

from svcconf.schema import Service, Upstream


@dataclass(frozen=True)
class Route:
    service: str
    upstream: str
    url: str
    timeout: float
    attempts: int


class ServiceRegistry:
    def __init__(self) -> None:
        self._services: dict[str, Service] = {}

    def add(self, service: Service) -> None:
        if service.name in self._services:
            raise ValueError(f"service {service.name!r} is already registered")
        self._services[service.name] = service

    def get(self, name: str) -> Service:
        try:
            return self._services[name]
        except KeyError:
            raise KeyError(f"no service {name!r} (registered: {', '.join(self.names()) or 'none'})") from None

    def names(self) -> list[str]:
        return sorted(self._services)

    def __len__(self) -> int:
        return len(self._services)

    # -- tags --------------------------------------------------------------------------------

    def tag(self, name: str, tag: str) -> None:
        tags = self.get(name).tags
        if tag not in tags:
            tags.append(tag)

    def untag(self, name: str, tag: str) -> None:
        tags = self.get(name).tags
        if tag in tags:
            tags.remove(tag)

    def with_tag(self, tag: str) -> list[str]:
        return [name for name in self.names() if tag in self._services[name].tags]

    # -- upstream calls ----------------------------------------------------------------------

    def effective_headers(self, service_name: str, upstream_name: str) -> dict[str, str]:
        """The headers a call from the service to the upstream sends: the upstream's own,
        then the service-wide ones for names the upstream does not set."""
        service = self.get(service_name)
        upstream = service.upstream(upstream_name)
        headers = upstream.headers
        for name, value in service.headers.items():
            headers.setdefault(name, value)
        return headers

    def set_header(self, service_name: str, upstream_name: str, name: str, value: str) -> None:
        """Change one header of one upstream at run time (a rotated token, say)."""
        self.get(service_name).upstream(upstream_name).headers[name] = value

    def routes(self) -> list[Route]:
        out = []
        for name in self.names():
            service = self._services[name]
            for upstream in sorted(service.upstreams.values(), key=lambda u: u.name):
                out.append(Route(name, upstream.name, upstream.url, upstream.timeout, upstream.retry.attempts))
        return out

    def callers_of(self, url_prefix: str) -> list[tuple[str, str]]:
        return [(r.service, r.upstream) for r in self.routes() if r.url.startswith(url_prefix)]

    def slowest_upstream(self, service_name: str) -> Upstream | None:
        upstreams = list(self.get(service_name).upstreams.values())
        return max(upstreams, key=lambda u: (u.timeout * u.retry.attempts, u.name), default=None)
