"""The fake Kubernetes API server: routes, validation, authentication, and a thread to run in.

Speaks what debugbox's client sends: JSON objects at the real paths (core v1 pods, coordination
v1 leases, the agent-sandbox custom resources), list/watch with label and field selectors and
resourceVersion semantics (a streamed watch of JSON lines; 410 when a version is too old), merge
patches, and pod exec over WebSocket (`v5.channel.k8s.io` / `v4.channel.k8s.io`). Every object
created is checked against the Kubernetes models or the recorded agent-sandbox CRD schemas
(tests/k8s_schema.py) and refused with 422 otherwise; every request needs the bearer token.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from tests.fake_kube.controller import Controller
from tests.fake_kube.pods import Kubelet
from tests.fake_kube.store import Conflict, Store
from tests.k8s_schema import SchemaError, check_object

AGENT_SANDBOX = {
    ("agents.x-k8s.io", "v1beta1", "sandboxes"): "Sandbox",
    ("extensions.agents.x-k8s.io", "v1beta1", "sandboxclaims"): "SandboxClaim",
    ("extensions.agents.x-k8s.io", "v1beta1", "sandboxtemplates"): "SandboxTemplate",
    ("extensions.agents.x-k8s.io", "v1beta1", "sandboxwarmpools"): "SandboxWarmPool",
}
EXEC_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")


def status(code: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": reason, "message": message, "code": code}, code)


def merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value


class FakeKube:
    def __init__(
        self, *, agent_sandbox: bool = True, pod_start_delay_s: float = 0.0, api_latency_s: float = 0.0,
        docker_image: str | None = None, role: dict[str, Any] | None = None,
    ):
        """docker_image: back each pod with a container of that image (else a local process).
        role: an RBAC Role whose rules bind the token (403 for anything else), as the deploy files grant."""
        self.agent_sandbox = agent_sandbox
        self.rules = None if role is None else role["rules"]
        self.api_latency_s = api_latency_s
        self.token = secrets.token_urlsafe(16)
        self.store = Store()
        if docker_image:
            from tests.fake_kube.docker_pods import DockerKubelet

            self.kubelet = DockerKubelet(docker_image)
        else:
            self.kubelet = Kubelet()
        self.controller = Controller(self.store, self.kubelet, pod_start_delay_s=pod_start_delay_s)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- running it ------------------------------------------------------------------------

    def start(self) -> FakeKube:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        # Pings every second, and a stream that leaves one unanswered for a second is closed: an
        # idle exec stream must stay read (intermediaries and API servers drop silent ones).
        config = uvicorn.Config(self.app(), log_level="warning", ws="websockets-sansio", lifespan="on", ws_ping_interval=1.0, ws_ping_timeout=1.0)
        self._server = uvicorn.Server(config)

        def serve() -> None:
            asyncio.run(self._serve(sock))

        self._thread = threading.Thread(target=serve, name="fake-kube", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Kubernetes API server did not start")
            time.sleep(0.01)
        return self

    async def _serve(self, sock: socket.socket) -> None:
        self.loop = asyncio.get_running_loop()
        ticker = self.loop.create_task(self._tick())
        try:
            await self._server.serve(sockets=[sock])
        finally:
            ticker.cancel()
            for name in list(self.kubelet.pods):
                await self.kubelet.stop(name)
            if hasattr(self.kubelet, "remove_all"):
                await asyncio.to_thread(self.kubelet.remove_all)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            await self.controller.tick()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)

    def call(self, function: Callable[[], Any]) -> Any:
        """Run a coroutine function on the fake's loop from another thread; its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(function(), self.loop).result(30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_kubeconfig(self, path: Path, namespace: str = "debugbox") -> Path:
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "debugbox", "user": {"token": self.token}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "debugbox", "namespace": namespace}}],
        }))
        return path

    # -- what tests do to it ---------------------------------------------------------------

    def apply(self, obj: dict[str, Any], namespace: str = "debugbox") -> dict[str, Any]:
        """Create an object as an operator's `kubectl apply` would (validated the same way)."""
        check_object(obj)
        resource = {"SandboxTemplate": "sandboxtemplates", "SandboxWarmPool": "sandboxwarmpools"}[obj["kind"]]

        async def create() -> dict[str, Any]:
            created = await self.store.create(resource, namespace, obj)
            await self.controller.reconcile(namespace)
            return created

        return self.call(create)

    def evict(self, pod: str, namespace: str = "debugbox") -> bool:
        return self.call(lambda: self.controller.fail_pod(namespace, pod, "Evicted", "The node was low on resource: memory."))

    def objects(self, resource: str, namespace: str = "debugbox", labels: str | None = None) -> list[dict[str, Any]]:
        return self.call(lambda: asyncio.sleep(0, self.store.list(resource, namespace, labels)))

    # -- the API ---------------------------------------------------------------------------

    def app(self) -> Starlette:
        core = "/api/v1/namespaces/{namespace}/"
        custom = "/apis/{group}/{version}/namespaces/{namespace}/"
        return Starlette(routes=[
            WebSocketRoute(core + "pods/{name}/exec", self.exec),
            Route(core + "{resource}", self.collection, methods=["GET", "POST"]),
            Route(core + "{resource}/{name}", self.item, methods=["GET", "DELETE", "PATCH"]),
            Route(custom + "{resource}", self.collection, methods=["GET", "POST"]),
            Route(custom + "{resource}/{name}", self.item, methods=["GET", "DELETE", "PATCH"]),
        ])

    def _resource(self, request: Request | WebSocket) -> str | None:
        params = request.path_params
        resource = params["resource"]
        if "group" not in params:
            return resource if resource == "pods" else None
        if (params["group"], params["version"], resource) == ("coordination.k8s.io", "v1", "leases"):
            return resource
        if self.agent_sandbox and (params["group"], params["version"], resource) in AGENT_SANDBOX:
            return resource
        return None

    async def _admit(self, request: Request) -> tuple[str | None, Response | None]:
        if self.api_latency_s:
            await asyncio.sleep(self.api_latency_s)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return None, status(401, "Unauthorized", "Unauthorized")
        resource = self._resource(request)
        watching = request.query_params.get("watch", "").lower() in ("true", "1")
        verb = {"GET": "watch" if watching else ("get" if "name" in request.path_params else "list"), "POST": "create"}.get(request.method, request.method.lower())
        self.store.requests[f"{verb} {resource or request.url.path}"] += 1
        # Authorization comes first, as in a real API server: a forbidden caller learns nothing,
        # not even whether the resource is served.
        named = request.path_params["resource"]
        if not self.allowed(request.path_params.get("group", ""), named, verb):
            return None, status(403, "Forbidden", f'{named} is forbidden: cannot {verb} resource "{named}" in namespace "{request.path_params["namespace"]}"')
        if resource is None:
            return None, status(404, "NotFound", f"the server could not find the requested resource ({request.url.path})")
        return resource, None

    def allowed(self, group: str, resource: str, verb: str) -> bool:
        if self.rules is None:
            return True
        return any(group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"] for rule in self.rules)

    async def collection(self, request: Request) -> Response:
        resource, refused = await self._admit(request)
        if refused:
            return refused
        namespace = request.path_params["namespace"]
        query = request.query_params
        if request.method == "POST":
            body = await request.json()
            try:
                check_object(body)
            except SchemaError as exc:
                return status(422, "Invalid", str(exc))
            try:
                created = await self.store.create(resource, namespace, body)
            except Conflict as exc:
                return status(409, "AlreadyExists", str(exc))
            if resource == "pods":
                await self.controller.pod_created(namespace, created)
            await self.controller.reconcile(namespace)
            return JSONResponse(created, 201)  # as created: what controllers did since comes by watch
        if query.get("watch", "").lower() in ("true", "1"):
            events = self.store.watch(resource, namespace, query.get("resourceVersion"), query.get("labelSelector"), query.get("fieldSelector"), float(query.get("timeoutSeconds") or 1800))

            async def lines():
                async for kind, obj in events:
                    yield json.dumps({"type": kind, "object": obj}) + "\n"

            return StreamingResponse(lines(), media_type="application/json")
        items = self.store.list(resource, namespace, query.get("labelSelector"), query.get("fieldSelector"))
        return JSONResponse({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": str(self.store.version)}, "items": items})

    async def item(self, request: Request) -> Response:
        resource, refused = await self._admit(request)
        if refused:
            return refused
        namespace, name = request.path_params["namespace"], request.path_params["name"]
        if request.method == "GET":
            found = self.store.get(resource, namespace, name)
        elif request.method == "PATCH":
            patch = await request.json()
            found = await self.store.update(resource, namespace, name, lambda obj: merge(obj, patch))
        else:
            found = await self.store.delete(resource, namespace, name)
            if found is not None:
                await self.controller.object_deleted(namespace, resource, found)
        if found is None:
            return status(404, "NotFound", f'{resource} "{name}" not found')
        return JSONResponse(found)

    async def exec(self, websocket: WebSocket) -> None:
        if websocket.headers.get("authorization") != f"Bearer {self.token}":
            await websocket.close(code=4401)
            return
        self.store.requests["exec pods"] += 1
        if not (self.allowed("", "pods/exec", "create") or self.allowed("", "pods/exec", "get")):
            await websocket.close(code=4403)
            return
        offered = [p.strip() for p in websocket.headers.get("sec-websocket-protocol", "").split(",")]
        chosen = next((p for p in EXEC_PROTOCOLS if p in offered), None)
        query = websocket.query_params
        command = query.getlist("command")
        container = query.get("container")
        pod = self.store.get("pods", websocket.path_params["namespace"], websocket.path_params["name"])
        if chosen is None or not command or pod is None or container not in {c["name"] for c in pod["spec"]["containers"]}:
            await websocket.close(code=4400)
            return
        await self.kubelet.exec(pod["metadata"]["name"], command, websocket, subprotocol=chosen)


def main() -> None:
    """`python -m tests.fake_kube.server KUBECONFIG [--agent-sandbox] [--api-latency-ms N]`: serve
    until stdin closes (benchmarks run it apart from the process they measure)."""
    import argparse
    import sys

    import yaml

    parser = argparse.ArgumentParser()
    parser.add_argument("kubeconfig", type=Path)
    parser.add_argument("--agent-sandbox", action="store_true")
    parser.add_argument("--api-latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeKube(agent_sandbox=args.agent_sandbox, api_latency_s=args.api_latency_ms / 1000).start()
    fake.write_kubeconfig(args.kubeconfig)
    if args.agent_sandbox:
        overlay = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" / "overlays" / "agent-sandbox"
        for name in ("sandboxtemplate.yaml", "sandboxwarmpool.yaml"):
            fake.apply(yaml.safe_load((overlay / name).read_text()))
    print("ready", flush=True)
    sys.stdin.read()
    fake.stop()


if __name__ == "__main__":
    main()
