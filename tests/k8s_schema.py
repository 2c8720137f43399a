"""Strict schema checks for Kubernetes objects, without a cluster (kubectl is not installed here):

- built-in kinds against the official client's models (kubernetes_asyncio's generated OpenAPI
  models: every field name, its type, required fields), unknown fields refused as
  `kubectl --validate=strict` does;
- agent-sandbox kinds against their published CRD schemas (tests/fixtures/agent_sandbox, with
  unknown fields refused too), their embedded pod specs against the PodSpec model.

The fake API server refuses what fails these checks with 422, as a real API server would.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from kubernetes_asyncio import client as k8s

FIXTURES = Path(__file__).parent / "fixtures" / "agent_sandbox"
BUILTIN = {
    ("v1", "Pod"): "V1Pod",
    ("v1", "Service"): "V1Service",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("rbac.authorization.k8s.io/v1", "Role"): "V1Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "V1RoleBinding",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
    ("coordination.k8s.io/v1", "Lease"): "V1Lease",
}
CRDS = {"SandboxClaim": "sandboxclaim", "Sandbox": "sandbox", "SandboxTemplate": "sandboxtemplate", "SandboxWarmPool": "sandboxwarmpool"}
PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float)}


class SchemaError(ValueError):
    pass


def check_model(value: Any, type_name: str, where: str = "") -> None:
    """value (a manifest fragment) against the client's model `type_name`, strictly."""
    if type_name in PRIMITIVES:
        expected = PRIMITIVES[type_name]
        if type_name == "int" and isinstance(value, bool) or not isinstance(value, expected):
            raise SchemaError(f"{where or '.'}: expected {type_name}, got {type(value).__name__} {value!r}")
        return
    if type_name in ("object", "datetime", "date"):
        return
    if match := re.fullmatch(r"list\[(.+)\]", type_name):
        if not isinstance(value, list):
            raise SchemaError(f"{where}: expected a list")
        for i, item in enumerate(value):
            check_model(item, match.group(1), f"{where}[{i}]")
        return
    if match := re.fullmatch(r"dict\(str, (.+)\)", type_name):
        if not isinstance(value, dict):
            raise SchemaError(f"{where}: expected a mapping")
        for key, item in value.items():
            check_model(item, match.group(1), f"{where}.{key}")
        return
    model = getattr(k8s, type_name)
    if not isinstance(value, dict):
        raise SchemaError(f"{where}: expected an object ({type_name})")
    by_json = {json_key: attr for attr, json_key in model.attribute_map.items()}
    for key, item in value.items():
        if key not in by_json:
            raise SchemaError(f"{where}.{key}: unknown field of {type_name}")
        check_model(item, model.openapi_types[by_json[key]], f"{where}.{key}")
    # Required fields and enums: the model's own constructor checks them.
    try:
        model(**{by_json[key]: item for key, item in value.items()}, local_vars_configuration=_VALIDATING)
    except ValueError as exc:
        raise SchemaError(f"{where or '.'} ({type_name}): {exc}") from None


_VALIDATING = k8s.Configuration()  # client_side_validation on: required fields and enums


@cache
def crd_schema(kind: str) -> dict[str, Any]:
    recorded = json.loads((FIXTURES / f"{CRDS[kind]}.v1beta1.json").read_text())
    return _strict(copy.deepcopy(recorded["openAPIV3Schema"]))


def crd_api_version(kind: str) -> str:
    recorded = json.loads((FIXTURES / f"{CRDS[kind]}.v1beta1.json").read_text())
    return f"{recorded['group']}/{recorded['version']}"


def _strict(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(x) for x in node]
    return node


def check_crd_object(obj: dict[str, Any]) -> None:
    kind = obj.get("kind")
    if obj.get("apiVersion") != crd_api_version(kind):
        raise SchemaError(f"{kind}: apiVersion {obj.get('apiVersion')!r}, the CRD serves {crd_api_version(kind)}")
    schema = crd_schema(kind)
    try:
        jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(obj)
    except jsonschema.ValidationError as exc:
        raise SchemaError(f"{kind} {'.'.join(map(str, exc.absolute_path))}: {exc.message}") from None
    check_model(obj.get("metadata") or {}, "V1ObjectMeta", f"{kind}.metadata")
    _check_embedded(obj, schema, kind)


def _check_embedded(value: Any, schema: dict[str, Any], where: str) -> None:
    if "x-debugbox-validate-as" in schema:
        check_model(value, schema["x-debugbox-validate-as"], where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            sub = (schema.get("properties") or {}).get(key)
            if sub is not None:
                _check_embedded(item, sub, f"{where}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _check_embedded(item, schema["items"], f"{where}[{i}]")


def check_object(obj: dict[str, Any]) -> None:
    """Any object debugbox makes or deploys; raises SchemaError naming the field."""
    if not isinstance(obj, dict) or not obj.get("kind") or not obj.get("apiVersion"):
        raise SchemaError("an object needs apiVersion and kind")
    if obj["kind"] in CRDS:
        check_crd_object(obj)
        return
    model = BUILTIN.get((obj["apiVersion"], obj["kind"]))
    if model is None:
        raise SchemaError(f"no schema recorded for {obj['apiVersion']} {obj['kind']}")
    check_model(obj, model, obj["kind"])
