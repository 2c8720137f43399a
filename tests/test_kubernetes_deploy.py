"""deploy/kubernetes validates without a cluster: every object of both overlays against the
Kubernetes models and the recorded agent-sandbox CRD schemas (tests/k8s_schema.py), the RBAC is
the narrowest the provider needs, the template's pod is the provider's own hardened pod, and every
DEBUGBOX_* variable the manifests set is one the server reads. The overlays are rendered by
`kubectl kustomize` when kubectl is installed, and by the resources-only subset below otherwise
(the two are compared when both can run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cli.settings import DOCKER_OPTIONS, KUBERNETES_OPTIONS, SERVICE_OPTIONS
from sandbox.kubernetes import objects
from sandbox.kubernetes.settings import KubernetesSettings
from tests.k8s_schema import SchemaError, check_object

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes"
MODES = ["agent-sandbox", "pods"]
CLUSTER_SCOPED = {"Namespace"}
KNOWN_VARIABLES = {env for _, env, _ in [*DOCKER_OPTIONS.values(), *KUBERNETES_OPTIONS.values(), *SERVICE_OPTIONS.values()]} | {"DEBUGBOX_AUTH_TOKENS"}


def render_subset(directory: Path) -> list[dict]:
    """kustomize's `resources` and `namespace`: all these overlays use."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "namespace", "resources"}, "the subset renderer handles only resources and namespace"
    rendered: list[dict] = []
    for resource in kustomization["resources"]:
        path = (directory / resource).resolve()
        rendered += render_subset(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    for obj in rendered:
        if kustomization.get("namespace") and obj["kind"] not in CLUSTER_SCOPED:
            obj.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    return rendered


def render(mode: str) -> list[dict]:
    if shutil.which("kubectl"):
        output = subprocess.run(["kubectl", "kustomize", str(DEPLOY / "overlays" / mode)], capture_output=True, text=True, timeout=60, check=True).stdout
        return [d for d in yaml.safe_load_all(output) if d]
    return render_subset(DEPLOY / "overlays" / mode)


def by_kind(rendered: list[dict], kind: str) -> list[dict]:
    return [o for o in rendered if o["kind"] == kind]


@pytest.mark.parametrize("mode", MODES)
def test_every_object_validates_against_its_schema(mode):
    rendered = render(mode)
    assert rendered
    for obj in rendered:
        check_object(obj)
    kinds = sorted(o["kind"] for o in rendered)
    expected = ["ConfigMap", "Deployment", "Namespace", "NetworkPolicy", "Role", "RoleBinding", "Service", "ServiceAccount"]
    if mode == "agent-sandbox":
        expected += ["SandboxTemplate", "SandboxWarmPool"]
    assert kinds == sorted(expected)
    assert {o["metadata"].get("namespace") for o in rendered if o["kind"] != "Namespace"} == {"debugbox"}


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl is not installed: the subset renderer alone renders the overlays")
@pytest.mark.parametrize("mode", MODES)
def test_the_subset_renderer_agrees_with_kubectl_kustomize(mode):
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(render(mode), key=key) == sorted(render_subset(DEPLOY / "overlays" / mode), key=key)


def test_the_schema_check_refuses_what_a_cluster_would():
    template = by_kind(render("agent-sandbox"), "SandboxTemplate")[0]
    broken = yaml.safe_load(yaml.safe_dump(template))
    broken["spec"]["podTemplate"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True  # a typo
    with pytest.raises(SchemaError, match="readOnlyRootFileSystem"):
        check_object(broken)
    pool = by_kind(render("agent-sandbox"), "SandboxWarmPool")[0]
    del pool["spec"]["sandboxTemplateRef"]
    with pytest.raises(SchemaError, match="sandboxTemplateRef"):
        check_object(pool)


def test_the_templates_pod_is_the_providers_pod_and_denies_all_traffic():
    (template,) = by_kind(render("agent-sandbox"), "SandboxTemplate")
    image = template["spec"]["podTemplate"]["spec"]["containers"][0]["image"]
    assert image == "debugbox-sandbox:latest"  # what `debugbox image build` tags; operators retag it for their registry
    assert template["spec"]["podTemplate"]["spec"] == objects.pod_spec(KubernetesSettings(image=image))
    assert template["spec"]["podTemplate"]["metadata"]["labels"][objects.LABEL] == "1"
    assert template["spec"]["networkPolicy"] == {"ingress": [], "egress": []}  # empty lists: default deny
    (pool,) = by_kind(render("agent-sandbox"), "SandboxWarmPool")
    assert pool["spec"]["sandboxTemplateRef"]["name"] == template["metadata"]["name"] == KubernetesSettings().template
    assert pool["metadata"]["name"] == KubernetesSettings().warm_pool
    for mode in MODES:
        (policy,) = by_kind(render(mode), "NetworkPolicy")
        assert policy["spec"]["podSelector"] == {"matchLabels": {objects.LABEL: "1"}}
        assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
        assert "egress" not in policy["spec"] and "ingress" not in policy["spec"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("agent-sandbox", {
            ("extensions.agents.x-k8s.io", "sandboxclaims"): {"create", "get", "list", "watch", "delete"},
            ("agents.x-k8s.io", "sandboxes"): {"get"},
            ("", "pods/exec"): {"create", "get"},
            ("coordination.k8s.io", "leases"): {"create", "get", "list", "patch", "delete"},
        }),
        ("pods", {
            ("", "pods"): {"create", "get", "list", "watch", "delete"},
            ("", "pods/exec"): {"create", "get"},
            ("coordination.k8s.io", "leases"): {"create", "get", "list", "patch", "delete"},
        }),
    ],
)
def test_the_rbac_is_the_narrowest_the_mode_needs(mode, expected):
    rendered = render(mode)
    (role,) = by_kind(rendered, "Role")  # a namespaced Role: no ClusterRole at all
    granted = {}
    for rule in role["rules"]:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "resourceNames" not in rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                granted[(group, resource)] = set(rule["verbs"])
    assert granted == expected
    (binding,) = by_kind(rendered, "RoleBinding")
    (account,) = by_kind(rendered, "ServiceAccount")
    (deployment,) = by_kind(rendered, "Deployment")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": "debugbox"}]
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]


@pytest.mark.parametrize("mode", MODES)
def test_the_deployment_runs_the_kubernetes_backend_in_its_mode(mode):
    rendered = render(mode)
    (deployment,) = by_kind(rendered, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["--backend", "kubernetes"]
    (config,) = by_kind(rendered, "ConfigMap")
    assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    assert config["data"]["DEBUGBOX_K8S_MODE"] == mode
    variables = set(config["data"]) | {e["name"] for e in container["env"] if e["name"].startswith("DEBUGBOX_")}
    assert variables <= KNOWN_VARIABLES, variables - KNOWN_VARIABLES
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    (service,) = by_kind(rendered, "Service")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
