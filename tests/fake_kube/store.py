"""The fake API server's objects: one resourceVersion counter, selectors, and watch events."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

Key = tuple[str, str, str]  # (resource, namespace, name)
HISTORY = 10_000  # events kept for watches that resume from a resourceVersion


class Conflict(Exception):
    pass


def matches_labels(obj: dict[str, Any], selector: str | None) -> bool:
    """equality-based selectors (a=b, a!=b, a, comma-separated): the subset debugbox uses."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for term in filter(None, (selector or "").split(",")):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.strip() not in labels:
            return False
    return True


def matches_fields(obj: dict[str, Any], selector: str | None) -> bool:
    for term in filter(None, (selector or "").split(",")):
        key, _, value = term.partition("=")
        if key == "metadata.name" and obj["metadata"]["name"] != value:
            return False
        if key == "metadata.namespace" and obj["metadata"].get("namespace") != value:
            return False
    return True


class Store:
    def __init__(self) -> None:
        self.objects: dict[Key, dict[str, Any]] = {}
        self.version = 0
        self.events: list[tuple[int, str, str, dict[str, Any]]] = []  # (rv, resource, type, object)
        self.changed = asyncio.Condition()
        self.requests: Counter[str] = Counter()

    def _bump(self, obj: dict[str, Any]) -> int:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        return self.version

    async def _emit(self, resource: str, kind: str, obj: dict[str, Any]) -> None:
        self.events.append((int(obj["metadata"]["resourceVersion"]), resource, kind, copy.deepcopy(obj)))
        del self.events[:-HISTORY]
        async with self.changed:
            self.changed.notify_all()

    async def create(self, resource: str, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        key = (resource, namespace, meta.get("name", ""))
        if key in self.objects:
            raise Conflict(f'{resource} "{key[2]}" already exists')
        meta.update(namespace=namespace, uid=str(uuid.uuid4()), creationTimestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self._bump(obj)
        self.objects[key] = obj
        await self._emit(resource, "ADDED", obj)
        return copy.deepcopy(obj)

    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        obj = self.objects.get((resource, namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    def list(self, resource: str, namespace: str, labels: str | None = None, fields: str | None = None) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(obj)
            for (res, ns, _), obj in self.objects.items()
            if res == resource and ns == namespace and matches_labels(obj, labels) and matches_fields(obj, fields)
        ]

    async def update(self, resource: str, namespace: str, name: str, change) -> dict[str, Any] | None:
        """change(obj) edits the stored object in place; a MODIFIED event follows."""
        obj = self.objects.get((resource, namespace, name))
        if obj is None:
            return None
        change(obj)
        self._bump(obj)
        await self._emit(resource, "MODIFIED", obj)
        return copy.deepcopy(obj)

    async def delete(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        obj = self.objects.pop((resource, namespace, name), None)
        if obj is None:
            return None
        self._bump(obj)
        await self._emit(resource, "DELETED", obj)
        return copy.deepcopy(obj)

    async def watch(
        self, resource: str, namespace: str, since: str | None, labels: str | None, fields: str | None, timeout_s: float
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Kubernetes watch semantics: from resourceVersion N, every later event; from "0" or none,
        ADDED for what exists now, then every later event; until timeout_s."""
        def wanted(res: str, obj: dict[str, Any]) -> bool:
            return res == resource and obj["metadata"].get("namespace") == namespace and matches_labels(obj, labels) and matches_fields(obj, fields)

        start = int(since) if since and since.isdigit() else 0
        if start and self.events and start < self.events[0][0] - 1:
            yield "ERROR", {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410, "reason": "Expired", "message": "too old resource version"}
            return
        position = self.version
        if not start:
            for obj in self.list(resource, namespace, labels, fields):
                yield "ADDED", obj
        else:
            position = start
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            for rv, res, kind, obj in [e for e in self.events if e[0] > position]:
                position = rv
                if wanted(res, obj):
                    yield kind, copy.deepcopy(obj)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            async with self.changed:
                if self.version <= position:
                    try:
                        await asyncio.wait_for(self.changed.wait(), remaining)
                    except TimeoutError:
                        return
