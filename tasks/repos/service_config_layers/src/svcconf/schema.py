"""The configuration of one service, as attrs classes.

Fields that hold another class say so in their metadata (`nested`, `mapping_of`) so that
structure.py can build the tree without evaluating annotations.
"""

from __future__ import annotations

import attrs

from svcconf import validators
from svcconf.converters import to_bool, to_duration, to_headers, to_list, to_log_level, to_size


@attrs.define
class Retry:
    attempts: int = attrs.field(default=3, converter=int, validator=validators.in_range(1, 20))
    backoff: float = attrs.field(default="1s", converter=to_duration)
    on_status: list[str] = attrs.field(default=["502", "503", "504"], converter=to_list, validator=validators.status_codes)

    def delays(self) -> list[float]:
        """Seconds to wait before each retry: exponential from `backoff`."""
        return [self.backoff * (2**i) for i in range(self.attempts - 1)]


@attrs.define
class Limits:
    max_body: int = attrs.field(default="1MB", converter=to_size, validator=validators.positive)
    rate_per_minute: int = attrs.field(default=600, converter=int, validator=validators.positive)
    concurrency: int = attrs.field(default=64, converter=int, validator=validators.in_range(1, 10_000))


@attrs.define
class Upstream:
    name: str = attrs.field(validator=validators.name)
    url: str = attrs.field(validator=validators.url)
    timeout: float = attrs.field(default="30s", converter=to_duration)
    headers: dict[str, str] = attrs.field(default=None, converter=to_headers)
    retry: Retry = attrs.field(factory=Retry, metadata={"nested": Retry})
    weight: int = attrs.field(default=1, converter=int, validator=validators.in_range(0, 100))


@attrs.define
class Service:
    name: str = attrs.field(validator=validators.name)
    port: int = attrs.field(default=8080, converter=int, validator=validators.port)
    log_level: str = attrs.field(default="INFO", converter=to_log_level, validator=validators.log_level)
    debug: bool = attrs.field(default=False, converter=to_bool)
    tags: list[str] = attrs.field(default=[], converter=to_list)
    headers: dict[str, str] = attrs.field(default=None, converter=to_headers)
    limits: Limits = attrs.field(factory=Limits, metadata={"nested": Limits})
    upstreams: dict[str, Upstream] = attrs.field(factory=dict, metadata={"mapping_of": Upstream})

    def upstream(self, upstream_name: str) -> Upstream:
        try:
            return self.upstreams[upstream_name]
        except KeyError:
            known = ", ".join(sorted(self.upstreams)) or "none"
            raise KeyError(f"service {self.name!r} has no upstream {upstream_name!r} (known: {known})") from None
