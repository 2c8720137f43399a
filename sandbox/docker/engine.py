"""The Docker SDK client the product uses: docker.from_env with one connection pool per engine;
and whether an engine answers at all.

docker-py (7.1) keeps a connection pool per request URL on a unix socket, so one per container id,
in an LRU of 25 that closes the pool it evicts. Under load (dozens of episodes at once) a pool is
evicted while another thread still returns a connection to it, and that request fails with
`AttributeError: 'NoneType' object has no attribute 'qsize'` from urllib3, surfacing as a crashed
start_task. Its `num_pools` argument cannot raise the 25 for a unix socket (an operator-precedence
slip in APIClient). Every request goes to the same socket, so one pool keyed by the socket is
correct, and it can never be evicted.
"""

from __future__ import annotations

from typing import Any

import docker
from docker.transport import UnixHTTPAdapter

# One connection per worker thread that may talk to the engine at once (anyio's default limiter
# is 40 threads): the SDK's default of 10 drops connections under load and logs each drop.
MAX_CONNECTIONS = 64


def engine_client(**kwargs: Any) -> docker.DockerClient:
    kwargs.setdefault("max_pool_size", MAX_CONNECTIONS)
    client = docker.from_env(**kwargs)
    for prefix, adapter in client.api.adapters.items():
        if isinstance(adapter, UnixHTTPAdapter):
            _one_pool_per_socket(adapter, prefix)
    return client


def engine_answers(timeout_s: float = 3.0) -> bool:
    """Whether a Docker engine answers a ping now: `--backend auto` and the Docker tests ask."""
    try:
        client = engine_client(timeout=int(max(1, timeout_s)))
        client.ping()
        client.close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no usable engine"
        return False


def _one_pool_per_socket(adapter: UnixHTTPAdapter, prefix: str) -> None:
    pool_for = adapter.get_connection

    def get_connection(url: str, proxies: Any = None) -> Any:
        return pool_for(prefix, proxies)

    adapter.get_connection = get_connection  # type: ignore[method-assign]
