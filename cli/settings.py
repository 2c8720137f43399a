"""Settings from the command line: flags and DEBUGBOX_* environment variables, validated by each
layer's own pydantic settings model (the sandbox's DockerSettings, the service's ServiceSettings,
the HTTP front end's HttpSecurity).

A flag beats its variable; a bad value stops the command with the flag or variable named.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pydantic import BaseModel, TypeAdapter, ValidationError

from environment.limits import MIB
from environment.settings import ServiceSettings
from sandbox.docker.provider import DockerSettings
from tasks.project import ProjectLimits
from sandbox.kubernetes.settings import KubernetesSettings


class ConfigError(Exception):
    pass


# field -> (flag, environment variable, help)
DOCKER_OPTIONS = {
    "image": ("--image", "DEBUGBOX_IMAGE", "sandbox image"),
    "pool_size": ("--pool-size", "DEBUGBOX_POOL_SIZE", "warm containers kept ready (default 2)"),
    "episodes_per_container": (
        "--episodes-per-container",
        "DEBUGBOX_EPISODES_PER_CONTAINER",
        "episodes a pooled container may serve in turn, each after a clean audit (default 100; 1: never reused)",
    ),
    "memory_mb": ("--memory-mb", "DEBUGBOX_MEMORY_MB", "memory per container, MiB (default 512)"),
    "cpus": ("--cpus", "DEBUGBOX_CPUS", "CPUs per container (default 1)"),
    "pids": ("--pids", "DEBUGBOX_PIDS", "processes per container (default 128)"),
    "workspace_mb": ("--workspace-mb", "DEBUGBOX_WORKSPACE_MB", "tmpfs /workspace size, MiB (default 64)"),
    "lifetime_s": ("--lifetime-s", "DEBUGBOX_LIFETIME_S", "hard container lifetime, seconds (default 7200)"),
    "environment_pool_idle_s": (
        "--environment-pool-idle-s",
        "DEBUGBOX_ENVIRONMENT_POOL_IDLE_S",
        "a task environment image's warm pool shrinks to zero after this many seconds unused (default 300)",
    ),
    "wheel_cache": ("--wheel-cache", "DEBUGBOX_WHEEL_CACHE", "where task environments' wheels are kept (default ~/.cache/debugbox/wheels)"),
}
KUBERNETES_OPTIONS = {
    "mode": ("--k8s-mode", "DEBUGBOX_K8S_MODE", "agent-sandbox (claims from a warm pool), pods, or auto (default): agent-sandbox when its CRDs are served"),
    "namespace": ("--k8s-namespace", "DEBUGBOX_K8S_NAMESPACE", "namespace of the sandboxes (default debugbox)"),
    "kubeconfig": ("--k8s-kubeconfig", "DEBUGBOX_K8S_KUBECONFIG", "kubeconfig file (default: in-cluster service account, else ~/.kube/config)"),
    "context": ("--k8s-context", "DEBUGBOX_K8S_CONTEXT", "kubeconfig context (default: its current one)"),
    "template": ("--k8s-template", "DEBUGBOX_K8S_TEMPLATE", "SandboxTemplate of the warm pool (default debugbox-sandbox)"),
    "warm_pool": ("--k8s-warm-pool", "DEBUGBOX_K8S_WARM_POOL", "SandboxWarmPool claims draw from (default debugbox-sandbox)"),
    "runtime_class": ("--k8s-runtime-class", "DEBUGBOX_K8S_RUNTIME_CLASS", "pods mode: runtimeClassName, e.g. gvisor (default: the cluster's)"),
    "heartbeat_s": ("--k8s-heartbeat-s", "DEBUGBOX_K8S_HEARTBEAT_S", "how often this server renews its Lease; 4 missed renewals and other servers reap its sandboxes (default 15)"),
    "ready_timeout_s": ("--k8s-ready-timeout-s", "DEBUGBOX_K8S_READY_TIMEOUT_S", "a claim or pod not ready by then is a sandbox failure (default 120)"),
}
# The Docker options that mean the same for pods (image, pool, limits, lifetime): one flag each.
SHARED_WITH_KUBERNETES = ("image", "pool_size", "memory_mb", "cpus", "workspace_mb", "lifetime_s")
SERVICE_OPTIONS = {
    "max_episodes": ("--max-episodes", "DEBUGBOX_MAX_EPISODES", "episodes running at once (default 256)"),
    "idle_timeout_s": ("--idle-timeout-s", "DEBUGBOX_IDLE_TIMEOUT_S", "end an untouched episode after this (default 1800)"),
    "debug_session_s": ("--debug-session-s", "DEBUGBOX_DEBUG_SESSION_S", "a debugger session's wall-time cap, seconds (default 600)"),
    "debug_command_timeout_s": (
        "--debug-command-timeout-s",
        "DEBUGBOX_DEBUG_COMMAND_TIMEOUT_S",
        "a debugger command still running after this is interrupted, seconds (default 10)",
    ),
    "max_episodes_per_owner": ("--max-episodes-per-token", "DEBUGBOX_MAX_EPISODES_PER_TOKEN", "episodes at once per bearer token (default: no limit)"),
    "max_steps_limit": (
        "--max-steps-limit",
        "DEBUGBOX_MAX_STEPS_LIMIT",
        "most steps an episode may have: a caller's max_steps may not pass it, a task's own budget is cut to it (default 200)",
    ),
    "max_file_chars": ("--max-file-chars", "DEBUGBOX_MAX_FILE_CHARS", "characters an editable file may grow to (default 500000)"),
    "max_file_lines": ("--max-file-lines", "DEBUGBOX_MAX_FILE_LINES", "lines an editable file may grow to (default 20000)"),
    "max_workspace_chars": ("--max-workspace-chars", "DEBUGBOX_MAX_WORKSPACE_CHARS", "characters of editable files per episode (default 2000000)"),
    "max_undo_mb": ("--max-undo-mb", "DEBUGBOX_MAX_UNDO_MB", "undo history per episode, MiB; older edits past it cannot be undone (default 8)"),
    "max_memory_mb": (
        "--max-episodes-memory-mb",
        "DEBUGBOX_MAX_EPISODES_MEMORY_MB",
        "code and history all episodes may keep in the server, finished ones included, MiB (default 1024)",
    ),
    "max_memory_per_owner_mb": (
        "--max-memory-per-token-mb",
        "DEBUGBOX_MAX_MEMORY_PER_TOKEN_MB",
        "the same per bearer token, MiB (default 256)",
    ),
    "reward_mode": (
        "--reward",
        "DEBUGBOX_REWARD",
        "shaped (default): each full run_tests pays the change of the visible pass rate, submit the rest of the score; sparse: only submit pays, the score",
    ),
    "baseline_cache_dir": (
        "--baseline-cache-dir",
        "DEBUGBOX_BASELINE_CACHE_DIR",
        "where each task original's measured results are kept for later servers (default ~/.cache/debugbox/baselines; 'none': memory only)",
    ),
}


def add_options(parser: argparse.ArgumentParser) -> None:
    for field, (flag, env, help_text) in {**DOCKER_OPTIONS, **KUBERNETES_OPTIONS, **SERVICE_OPTIONS}.items():
        parser.add_argument(flag, dest=field, default=None, help=f"{help_text}; env {env}")


def _collect(args: argparse.Namespace, options: dict, environ) -> tuple[dict, dict]:
    values, sources = {}, {}
    for field, (flag, env, _) in options.items():
        value = getattr(args, field, None)
        if value is not None:
            values[field], sources[field] = value, flag
        elif environ.get(env, "").strip():
            values[field], sources[field] = environ[env].strip(), env
    return values, sources


def _validate(model: type[BaseModel], values: dict, sources: dict, given_in_mib: dict | None = None) -> BaseModel:
    """model from the collected values; a bad one stops the command with its flag or variable named
    and the value as given (`given_in_mib`: fields in bytes that came in MiB, as they came)."""
    given_in_mib = given_in_mib or {}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0])
            message = error["msg"]
            bound = next(((k, v) for k, v in (error.get("ctx") or {}).items() if k in ("ge", "le")), None)
            if field in given_in_mib and bound is not None:  # the bound in the flag's unit, whole MiB
                kind, limit = bound
                message = message.replace(str(limit), f"{-(-limit // MIB) if kind == 'ge' else limit // MIB} MiB")
            problems.append(f"{sources.get(field, field)}={given_in_mib.get(field, values.get(field))!r}: {message}")
        raise ConfigError("bad configuration: " + "; ".join(problems)) from None


def docker_settings(args: argparse.Namespace, environ=None) -> DockerSettings:
    values, sources = _collect(args, DOCKER_OPTIONS, os.environ if environ is None else environ)
    return _validate(DockerSettings, values, sources)  # type: ignore[return-value]


def kubernetes_settings(args: argparse.Namespace, environ=None) -> KubernetesSettings:
    options = {**{f: DOCKER_OPTIONS[f] for f in SHARED_WITH_KUBERNETES}, **KUBERNETES_OPTIONS}
    values, sources = _collect(args, options, os.environ if environ is None else environ)
    return _validate(KubernetesSettings, values, sources)  # type: ignore[return-value]


# Flags given in MiB -> ServiceSettings' fields in bytes.
MIB_FIELDS = {"max_undo_mb": "max_undo_bytes", "max_memory_mb": "max_memory_bytes", "max_memory_per_owner_mb": "max_memory_per_owner"}


def service_settings(args: argparse.Namespace, environ=None) -> ServiceSettings:
    values, sources = _collect(args, {**SERVICE_OPTIONS, **PROJECT_OPTIONS}, os.environ if environ is None else environ)
    given_in_mib = {}
    for mib_field, bytes_field in MIB_FIELDS.items():
        if mib_field in values:
            value, source = values.pop(mib_field), sources.pop(mib_field)
            try:
                mib = TypeAdapter(int).validate_python(value)
            except ValidationError as exc:
                raise ConfigError(f"bad configuration: {source}={value!r}: {exc.errors()[0]['msg']}") from None
            values[bytes_field], sources[bytes_field], given_in_mib[bytes_field] = mib * MIB, source, value
    values.update(project_settings(args, os.environ if environ is None else environ))
    if "baseline_cache_dir" not in values:
        values["baseline_cache_dir"] = default_baseline_cache_dir(os.environ if environ is None else environ)
    elif str(values["baseline_cache_dir"]).lower() == "none":
        values["baseline_cache_dir"] = None
    return _validate(ServiceSettings, values, sources, given_in_mib)  # type: ignore[return-value]


# ServiceSettings' project fields given as they are (the roots and the copy caps are read apart, below).
PROJECT_OPTIONS = {
    "project_max_steps": ("--project-max-steps", "DEBUGBOX_PROJECT_MAX_STEPS", "a project episode's step budget when open_project names none (default 100)"),
    "project_test_timeout_s": ("--project-test-timeout-s", "DEBUGBOX_PROJECT_TEST_TIMEOUT_S", "wall time per test of a project, seconds (default 30)"),
    "project_run_timeout_s": ("--project-run-timeout-s", "DEBUGBOX_PROJECT_RUN_TIMEOUT_S", "wall time of one run of a project's tests, seconds (default 120)"),
}


def add_project_options(parser: argparse.ArgumentParser) -> None:
    for field, (flag, env, help_text) in PROJECT_OPTIONS.items():
        parser.add_argument(flag, dest=field, default=None, help=f"{help_text}; env {env}")
    parser.add_argument(
        "--project-root",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory whose projects open_project may copy into a sandbox (repeatable; env DEBUGBOX_PROJECT_ROOTS, "
        "separated by ':'); without one, open_project is refused",
    )
    parser.add_argument("--project-max-mb", type=float, default=None, help="a project's copied files may total this many MiB, within --max-workspace-chars (default 1.9; env DEBUGBOX_PROJECT_MAX_MB)")
    parser.add_argument("--project-max-files", type=int, default=None, help="a project may have this many files to copy (default 2000; env DEBUGBOX_PROJECT_MAX_FILES)")


def project_settings(args: argparse.Namespace, environ) -> dict:
    """ServiceSettings' project fields: each root must be an existing directory (named if not)."""
    given = getattr(args, "project_root", None) or [r for r in environ.get("DEBUGBOX_PROJECT_ROOTS", "").split(os.pathsep) if r.strip()]
    source = "--project-root" if getattr(args, "project_root", None) else "DEBUGBOX_PROJECT_ROOTS"
    roots = []
    for raw in given:
        root = Path(os.path.expanduser(raw.strip()))
        if not root.is_dir():
            raise ConfigError(f"bad configuration: {source}={raw!r}: not an existing directory")
        roots.append(root.resolve())
    values: dict = {"project_roots": tuple(dict.fromkeys(roots))} if roots else {}
    limits = {}
    for flag, env, field, unit in (("project_max_mb", "DEBUGBOX_PROJECT_MAX_MB", "max_total_bytes", MIB), ("project_max_files", "DEBUGBOX_PROJECT_MAX_FILES", "max_files", 1)):
        value = getattr(args, flag, None)
        value = value if value is not None else environ.get(env, "").strip() or None
        if value is None:
            continue
        try:
            number = float(value) * unit
            if number < 1:
                raise ValueError
        except ValueError:
            raise ConfigError(f"bad configuration: --{flag.replace('_', '-')} / {env}={value!r}: must be a positive number") from None
        limits[field] = int(number)
    if limits:
        values["project_limits"] = ProjectLimits(**limits)
    return values


def default_baseline_cache_dir(environ) -> Path:
    """$XDG_CACHE_HOME/debugbox/baselines, else ~/.cache/debugbox/baselines."""
    root = environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(root) if root else Path.home() / ".cache") / "debugbox" / "baselines"


def http_security(args: argparse.Namespace, environ=None):
    """Bearer tokens and allowed origins from flags, else DEBUGBOX_AUTH_TOKENS / DEBUGBOX_ALLOWED_ORIGINS
    (comma-separated)."""
    from mcp_server.http import HttpConfigError, HttpSecurity

    env = os.environ if environ is None else environ
    tokens = args.auth_token or [t for t in env.get("DEBUGBOX_AUTH_TOKENS", "").split(",") if t.strip()]
    origins = args.allowed_origin or [o.strip() for o in env.get("DEBUGBOX_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    try:
        return HttpSecurity.build(args.host, args.port, [t.strip() for t in tokens], origins)
    except HttpConfigError as exc:
        raise ConfigError(str(exc)) from None
