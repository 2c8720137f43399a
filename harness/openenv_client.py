"""A gym-like client for debugbox's OpenEnv server, over its WebSocket (`/ws`):

    env = DebugboxEnv("http://127.0.0.1:8000")        # or DebugboxEnv.from_docker_image("debugbox-openenv:latest")
    obs = env.reset(task_id="off_by_one")             # or env.reset(seed=7, difficulty="easy")
    obs, reward, done = env.step(("view_code", {}))   # a (tool_name, arguments) pair, or an OpenEnv action dict
    ...
    env.close()

One connection is one episode at a time; closing it ends the episode on the server. It speaks the
same messages as OpenEnv's own clients (openenv-core), with only `websockets` as a dependency.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.client import ClientConnection, connect

Action = dict[str, Any] | tuple[str, dict[str, Any]]
INTERNAL_NETWORK = "debugbox-openenv"  # no egress, no traffic between its containers


class EnvError(RuntimeError):
    """The server refused a message (unknown task, malformed action, a step after done, ...)."""

    def __init__(self, message: str, code: str):
        super().__init__(f"{message} (code: {code})")
        self.code = code


@dataclass
class Observation:
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    structured: dict[str, Any] | None = None  # the tool's structured result
    error: dict[str, Any] | None = None  # a bad call: {error_type, message}; nothing changed, no step charged
    tools: list[dict[str, Any]] | None = None  # for a list_tools action
    reward: float | None = None
    done: bool = False

    @classmethod
    def from_wire(cls, data: dict) -> Observation:
        obs = data.get("observation") or {}
        result = obs.get("result") or {}
        return cls(
            text=obs.get("text") or "",
            metadata=obs.get("metadata") or {},
            structured=result.get("structured_content") or obs.get("structured"),
            error=obs.get("error"),
            tools=obs.get("tools"),
            reward=data.get("reward"),
            done=bool(data.get("done")),
        )


def to_action(action: Action) -> dict[str, Any]:
    if isinstance(action, tuple):
        name, arguments = action
        return {"type": "call_tool", "tool_name": name, "arguments": arguments or {}}
    return action


class DebugboxEnv:
    def __init__(self, base_url: str, token: str | None = None, timeout_s: float = 300.0, _container: Any = None):
        self.base_url = base_url.rstrip("/")
        ws_url = self.base_url.replace("https://", "wss://").replace("http://", "ws://") + "/ws"
        headers = {"Authorization": f"Bearer {token}"} if token else None
        self.timeout_s = timeout_s
        self._ws: ClientConnection = connect(ws_url, additional_headers=headers, max_size=64 * 1024 * 1024, open_timeout=30)
        self._container = _container

    # -- gym-like --------------------------------------------------------------------------

    def reset(self, task_id: str | None = None, **params: Any) -> Observation:
        data = {"task_id": task_id, **params} if task_id else params
        return Observation.from_wire(self._request({"type": "reset", "data": data}))

    def step(self, action: Action) -> tuple[Observation, float, bool]:
        obs = Observation.from_wire(self._request({"type": "step", "data": to_action(action)}))
        return obs, float(obs.reward or 0.0), obs.done

    def call(self, tool_name: str, **arguments: Any) -> Observation:
        return self.step((tool_name, arguments))[0]

    def list_tools(self) -> list[dict[str, Any]]:
        return self.step({"type": "list_tools"})[0].tools or []

    def state(self) -> dict[str, Any]:
        return self._request({"type": "state"})

    def close(self) -> None:
        try:
            self._ws.send(json.dumps({"type": "close"}))
        except Exception:
            pass  # already gone: the server ends the episode either way
        self._ws.close()
        if self._container is not None:
            try:
                self._container.remove(force=True)
            finally:
                self._container = None

    def __enter__(self) -> DebugboxEnv:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _request(self, message: dict) -> dict:
        self._ws.send(json.dumps(message))
        reply = json.loads(self._ws.recv(timeout=self.timeout_s))
        if reply.get("type") == "error":
            data = reply.get("data") or {}
            raise EnvError(data.get("message", "unknown error"), data.get("code", "UNKNOWN"))
        return reply.get("data") or {}

    # -- containers ------------------------------------------------------------------------

    @classmethod
    def from_docker_image(
        cls,
        image: str,
        *,
        env: dict[str, str] | None = None,
        ready_timeout_s: float = 60.0,
        network: str | None = INTERNAL_NETWORK,
        **kwargs: Any,
    ) -> DebugboxEnv:
        """Start `image` (built by `debugbox image build-openenv`) hardened as the sandboxes are, and
        connect; close() removes the container. With `network` (the default) the container sits on an
        internal bridge, with no egress and unreachable from its neighbours, and this machine reaches
        it at its address there; network=None publishes its port on 127.0.0.1 instead (for engines
        whose container addresses this machine cannot reach, such as Docker Desktop's)."""
        import docker

        client = docker.from_env()
        if network:
            _ensure_internal_network(client, network)
            run = {"network": network}
        else:
            run = {"ports": {"8000/tcp": ("127.0.0.1", None)}}
        container = client.containers.run(image, detach=True, environment=env or {}, **run, **container_limits())
        try:
            container.reload()
            if network:
                address = container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
                base_url = f"http://{address}:8000"
            else:
                base_url = f"http://127.0.0.1:{container.attrs['NetworkSettings']['Ports']['8000/tcp'][0]['HostPort']}"
            wait_healthy(base_url, ready_timeout_s)
            return cls(base_url, _container=container, **kwargs)
        except BaseException:
            container.remove(force=True)
            raise


def _ensure_internal_network(client, name: str) -> None:
    import docker

    if client.networks.list(names=[name]):
        return
    try:
        client.networks.create(
            name, driver="bridge", internal=True, options={"com.docker.network.bridge.enable_icc": "false"}, labels={"io.debugbox.role": "openenv-network"}
        )
    except docker.errors.APIError as exc:  # another client made it meanwhile
        if "already exists" not in str(exc):
            raise


def container_limits() -> dict[str, Any]:
    """How the OpenEnv image is run: as the sandboxes are (non-root, no capabilities, no new
    privileges, read-only root, memory and pids limits), the container being the isolation boundary."""
    return {
        "user": "10001:10001",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "read_only": True,
        "tmpfs": {"/tmp": "rw,nosuid,nodev,size=512m"},
        "mem_limit": "2g",
        "memswap_limit": "2g",
        "pids_limit": 512,
        "labels": {"io.debugbox.role": "openenv-client"},
    }


def wait_healthy(base_url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a container's address is never proxied
    while True:
        try:
            with opener.open(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base_url}/health did not answer within {timeout_s:.0f} s")
        time.sleep(0.2)
