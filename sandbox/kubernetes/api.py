"""The few Kubernetes API calls debugbox makes, on the official asyncio client (kubernetes_asyncio),
each counted (status() and the benchmark report them) and each bounded in time.

Objects go in and come out as plain manifests (dicts), the shapes sandbox/kubernetes/objects.py
builds; watches are read line by line from the API's own watch stream.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.stream import WsApiClient

from sandbox.base import SandboxError
from sandbox.kubernetes.exec_stream import ExecStream
from sandbox.kubernetes.objects import CLAIM_GROUP, CLAIM_PLURAL, CLAIM_VERSION, CONTAINER, SANDBOX_GROUP, SANDBOX_PLURAL, SANDBOX_VERSION
from sandbox.kubernetes.settings import KubernetesSettings

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 15.0  # one API call (not a watch, not the exec stream)


class NotFound(Exception):
    pass


class Forbidden(SandboxError):
    """The server's account may not do this (its RBAC)."""


async def load_configuration(s: KubernetesSettings) -> client.Configuration:
    """The kubeconfig named by the settings, else the pod's service account, else ~/.kube/config."""
    configuration = client.Configuration()
    try:
        if s.kubeconfig is None:
            try:
                config.load_incluster_config(client_configuration=configuration)
                return configuration
            except config.ConfigException:
                pass
        await config.load_kube_config(config_file=s.kubeconfig, context=s.context, client_configuration=configuration)
    except (config.ConfigException, OSError, ValueError, TypeError, KeyError) as exc:
        where = s.kubeconfig or "the in-cluster service account or ~/.kube/config"
        hint = "check DEBUGBOX_K8S_KUBECONFIG and DEBUGBOX_K8S_CONTEXT" if s.context else "set DEBUGBOX_K8S_KUBECONFIG"
        raise SandboxError(f"no usable Kubernetes configuration in {where}: {exc} ({hint})") from None
    return configuration


class KubeApi:
    """One namespace's pods, leases, SandboxClaims and Sandboxes."""

    def __init__(self, configuration: client.Configuration, namespace: str):
        self.namespace = namespace
        self._client = client.ApiClient(configuration)
        self._ws_client = WsApiClient(configuration)
        self._core = client.CoreV1Api(self._client)
        self._exec_core = client.CoreV1Api(self._ws_client)
        self._custom = client.CustomObjectsApi(self._client)
        self._leases = client.CoordinationV1Api(self._client)
        self.calls: Counter[str] = Counter()

    async def aclose(self) -> None:
        await self._client.close()
        await self._ws_client.close()

    async def _call(self, what: str, coroutine) -> Any:
        self.calls[what] += 1
        try:
            result = await coroutine
        except ApiException as exc:
            if exc.status == 404:
                raise NotFound(what) from None
            if exc.status == 403:
                raise Forbidden(f"the Kubernetes API forbids this server to {what} in namespace {self.namespace!r} (its Role; see deploy/kubernetes): {_message(exc)}") from None
            raise SandboxError(f"the Kubernetes API refused {what}: {exc.status} {exc.reason} {_message(exc)}") from None
        except (OSError, TimeoutError) as exc:
            raise SandboxError(f"the Kubernetes API did not answer {what}: {exc or type(exc).__name__}") from None
        return self._client.sanitize_for_serialization(result)

    # -- pods ------------------------------------------------------------------------------

    async def create_pod(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("create pod", self._core.create_namespaced_pod(self.namespace, body, _request_timeout=CALL_TIMEOUT_S))

    async def delete_pod(self, name: str) -> None:
        try:
            await self._call("delete pod", self._core.delete_namespaced_pod(name, self.namespace, grace_period_seconds=0, _request_timeout=CALL_TIMEOUT_S))
        except NotFound:
            pass

    async def list_pods(self, selector: str) -> list[dict[str, Any]]:
        found = await self._call("list pods", self._core.list_namespaced_pod(self.namespace, label_selector=selector, _request_timeout=CALL_TIMEOUT_S))
        return found.get("items") or []

    def watch_pod(self, name: str, resource_version: str | None, timeout_s: float) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        call = self._core.list_namespaced_pod(
            self.namespace, field_selector=f"metadata.name={name}", watch=True, allow_watch_bookmarks=False,
            resource_version=resource_version or "0", timeout_seconds=max(1, int(timeout_s)), _preload_content=False,
        )
        return self._watch("watch pod", call)

    # -- agent-sandbox ---------------------------------------------------------------------

    async def agent_sandbox_served(self) -> bool:
        """Whether the SandboxClaim API is served (its CRDs are installed) and this server may use it."""
        try:
            await self._call("discover agent-sandbox", self._custom.list_namespaced_custom_object(
                CLAIM_GROUP, CLAIM_VERSION, self.namespace, CLAIM_PLURAL, limit=1, _request_timeout=CALL_TIMEOUT_S))
        except NotFound:
            return False
        except Forbidden:
            log.info("this server may not list SandboxClaims (pods mode's Role): agent-sandbox mode is out")
            return False
        return True

    async def create_claim(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("create claim", self._custom.create_namespaced_custom_object(
            CLAIM_GROUP, CLAIM_VERSION, self.namespace, CLAIM_PLURAL, body, _request_timeout=CALL_TIMEOUT_S))

    async def delete_claim(self, name: str) -> None:
        try:
            await self._call("delete claim", self._custom.delete_namespaced_custom_object(
                CLAIM_GROUP, CLAIM_VERSION, self.namespace, CLAIM_PLURAL, name, _request_timeout=CALL_TIMEOUT_S))
        except NotFound:
            pass

    async def list_claims(self, selector: str) -> list[dict[str, Any]]:
        found = await self._call("list claims", self._custom.list_namespaced_custom_object(
            CLAIM_GROUP, CLAIM_VERSION, self.namespace, CLAIM_PLURAL, label_selector=selector, _request_timeout=CALL_TIMEOUT_S))
        return found.get("items") or []

    def watch_claim(self, name: str, resource_version: str | None, timeout_s: float) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        call = self._custom.list_namespaced_custom_object(
            CLAIM_GROUP, CLAIM_VERSION, self.namespace, CLAIM_PLURAL, field_selector=f"metadata.name={name}", watch=True,
            resource_version=resource_version or "0", timeout_seconds=max(1, int(timeout_s)), _preload_content=False,
        )
        return self._watch("watch claim", call)

    async def get_sandbox(self, name: str) -> dict[str, Any]:
        return await self._call("get sandbox", self._custom.get_namespaced_custom_object(
            SANDBOX_GROUP, SANDBOX_VERSION, self.namespace, SANDBOX_PLURAL, name, _request_timeout=CALL_TIMEOUT_S))

    # -- leases (one per server instance) --------------------------------------------------

    async def create_lease(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("create lease", self._leases.create_namespaced_lease(self.namespace, body, _request_timeout=CALL_TIMEOUT_S))

    async def renew_lease(self, name: str, renew_time: str) -> None:
        patch = {"spec": {"renewTime": renew_time}}
        await self._call("renew lease", self._leases.patch_namespaced_lease(name, self.namespace, patch, _request_timeout=CALL_TIMEOUT_S))

    async def list_leases(self, selector: str) -> list[dict[str, Any]]:
        found = await self._call("list leases", self._leases.list_namespaced_lease(self.namespace, label_selector=selector, _request_timeout=CALL_TIMEOUT_S))
        return found.get("items") or []

    async def delete_lease(self, name: str) -> None:
        try:
            await self._call("delete lease", self._leases.delete_namespaced_lease(
                name, self.namespace, propagation_policy="Background", _request_timeout=CALL_TIMEOUT_S))
        except NotFound:
            pass

    # -- the exec stream -------------------------------------------------------------------

    async def exec_stream(self, pod: str, command: list[str]) -> ExecStream:
        """One exec of `command` in the pod's sandbox container, its stdin and stdout kept open."""
        self.calls["exec"] += 1
        try:
            connecting = await self._exec_core.connect_get_namespaced_pod_exec(
                pod, self.namespace, command=command, container=CONTAINER,
                stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False,
            )
            websocket = await connecting
        except ApiException as exc:
            raise SandboxError(f"the Kubernetes API refused the exec into pod {pod}: {exc.status} {exc.reason}") from None
        except Exception as exc:  # aiohttp's handshake errors (WSServerHandshakeError, ClientError) and OSError
            raise SandboxError(f"could not open the exec stream into pod {pod}: {exc}") from None
        return ExecStream(websocket, name=f"pod {pod}")

    # -- watches ---------------------------------------------------------------------------

    async def _watch(self, what: str, call) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """(type, object) of each watch event until the API ends the watch; an ERROR event's object
        is the API's Status (410 Gone: the resourceVersion was compacted away)."""
        self.calls[what] += 1
        try:
            response = await call
        except ApiException as exc:
            raise SandboxError(f"the Kubernetes API refused {what}: {exc.status} {exc.reason}") from None
        except (OSError, TimeoutError) as exc:
            raise SandboxError(f"the Kubernetes API did not answer {what}: {exc}") from None
        try:
            if not 200 <= response.status <= 299:
                raise SandboxError(f"the Kubernetes API refused {what}: {response.status} {(await response.text())[:300]}")
            async for line in response.content:
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    raise SandboxError(f"the Kubernetes API sent a malformed watch event on {what}") from None
                yield str(event.get("type")), event.get("object") or {}
        except (OSError, TimeoutError) as exc:
            raise SandboxError(f"the Kubernetes API broke off {what}: {exc}") from None
        finally:
            response.release()


def _message(exc: ApiException) -> str:
    try:
        return str(json.loads(exc.body or "{}").get("message", ""))[:300]
    except (ValueError, AttributeError):
        return ""
