"""Task environments (issue 18, item 1): `[environment]` parsed as hostile input, wheels downloaded
by the host's real pip, a real image built from them with no network (docker) or a real venv
(local), episodes played through a real MCP client, pools per image that shrink when idle.

The wheel and venv caches live in this session's temporary directory, so every session downloads
the wheels again through the host's pip configuration. The environment image is named by the
digest of its inputs, so a later session finds it on the engine (prepared, not rebuilt);
`test_environment_image_builds_offline` builds one from scratch every session.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import anyio
import docker
import pytest
from mcp import Client
from pydantic import ValidationError

from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.base import RunRequest
from sandbox.docker.container import LABEL_INSTANCE
from sandbox.docker.provider import DockerProvider, DockerSettings
from sandbox.environment_request import EnvironmentBuildError, EnvironmentRequest
from sandbox.images import environment_image
from sandbox.images.build import ImageBuildError, build_image
from sandbox.images.sandbox_image import SANDBOX_IMAGE
from sandbox.local import LocalProvider
from sandbox.wheelhouse import INSTALLER, TargetPython, fetch_wheels
from tasks.loader import load_catalog, load_task
from tests.conftest import require_docker
from tests.helpers import call_ok, text_of

ENVPACK = Path(__file__).parent / "fixtures" / "envpack"
TOOLZ = EnvironmentRequest(requirements=["toolz>=1.0,<2"])
UNKNOWN = "debugbox-no-such-package-zq7"

pytestmark = pytest.mark.anyio


# -- requirements are hostile input ------------------------------------------------------------


@pytest.mark.parametrize(
    "line, says",
    [
        ("--index-url=https://evil.example/simple", "pip option"),
        ("-e .", "pip option"),
        ("-r other.txt", "pip option"),
        ("attrs --hash=sha256:00", "not a valid requirement"),
        ("attrs @ https://evil.example/attrs.whl", "URL or path"),
        ("./local/pkg", "not a valid requirement"),
        ("/abs/pkg.whl", "not a valid requirement"),
        ("https://evil.example/x.whl", "not a valid requirement"),
        ("attrs\n--extra-index-url x", "single requirement line"),
        ("attrs \\", "single requirement line"),
        ("a" * 300, "at most 200"),
        ('toolz; python_version == "${HOME}"', "'$' or '#'"),
        ('toolz; python_version == "3 #"', "'$' or '#'"),
    ],
)
def test_requirement_refused(line, says):
    with pytest.raises(ValidationError) as caught:
        EnvironmentRequest(requirements=[line])
    assert says in str(caught.value)


def test_request_is_canonical_sorted_and_keyed():
    one = EnvironmentRequest(requirements=["Toolz>=1.0,<2", "six"])
    two = EnvironmentRequest(requirements=["six", "toolz<2,>=1.0"])
    assert one.requirements == two.requirements == ("six", "toolz<2,>=1.0")
    assert one.key == two.key and one.names == ("six", "toolz")
    with pytest.raises(ValidationError, match="listed twice"):
        EnvironmentRequest(requirements=["toolz>=1", "Toolz<2"])
    with pytest.raises(ValidationError, match="at least one"):
        EnvironmentRequest(requirements=[])
    with pytest.raises(ValidationError, match="at most 100"):
        EnvironmentRequest(requirements=[f"pkg{i}" for i in range(101)])
    text = "# comment\n\ntoolz>=1.0,<2  # inline\nsix; python_version >= '3'\n"
    assert EnvironmentRequest.from_lines(text).requirements == ("six; python_version >= \"3\"", "toolz<2,>=1.0")


def _task_dir(root: Path, environment: str, files: dict[str, str] | None = None) -> Path:
    task = root / "env_task"
    for sub in ("src", "tests", "hidden_tests", "solution"):
        (task / sub).mkdir(parents=True, exist_ok=True)
    (task / "task.toml").write_text(
        'id = "env_task"\ntitle = "t"\ndifficulty = "easy"\nmain_file = "m.py"\neditable = ["m.py"]\n\n[environment]\n' + environment
    )
    (task / "description.md").write_text("d")
    (task / "src/m.py").write_text("x = 1\n")
    (task / "solution/m.py").write_text("x = 2\n")
    (task / "tests/test_m.py").write_text("def test_x():\n    pass\n")
    (task / "hidden_tests/test_h.py").write_text("def test_x():\n    pass\n")
    for path, text in (files or {}).items():
        (task / path).parent.mkdir(parents=True, exist_ok=True)
        (task / path).write_text(text)
    return task


def test_loader_reads_environment(tmp_path):
    task = load_task(_task_dir(tmp_path, 'packages = ["six"]\nrequirements = "src/requirements.txt"\n', {"src/requirements.txt": "toolz>=1\n"}))
    assert task.environment is not None and task.environment.requirements == ("six", "toolz>=1")
    plain = load_task(_task_dir(tmp_path / "plain", 'packages = ["six"]\n'))
    assert plain.content_digest != task.content_digest


def test_loader_refuses_a_requirements_symlink_out_of_the_task(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("toolz\n")
    task = _task_dir(tmp_path / "pack", 'requirements = "requirements.txt"\n')
    (task / "requirements.txt").symlink_to(outside)
    catalog = load_catalog([str(task.parent)], include_bundled=False, environ={})
    assert not catalog.tasks and "leads outside the task directory" in str(catalog.errors[0])


@pytest.mark.parametrize(
    "environment, files, says, field",
    [
        ('packages = ["--index-url=https://evil.example"]\n', {}, "pip option", "environment.packages"),
        ('requirements = "requirements.txt"\n', {"requirements.txt": "toolz\n--extra-index-url https://evil.example\n"}, "pip option", "environment.requirements"),
        ('requirements = "requirements.txt"\n', {"requirements.txt": "-e ../outside\n"}, "pip option", "environment.requirements"),
        ('requirements = "requirements.txt"\n', {"requirements.txt": "x @ file:///etc/passwd\n"}, "URL or path", "environment.requirements"),
        ('requirements = "missing.txt"\n', {}, "missing", "environment.requirements"),
        ('requirements = "../../etc/passwd"\n', {}, "relative POSIX path", "environment.requirements"),
        ("", {}, "needs `packages", "environment"),
        ('packages = ["toolz"]\nindex_url = "https://evil.example"\n', {}, "Extra inputs", "environment.index_url"),
    ],
)
def test_loader_refuses_bad_environment_naming_task_and_line(tmp_path, environment, files, says, field):
    catalog = load_catalog([str(_task_dir(tmp_path, environment, files).parent)], include_bundled=False, environ={})
    assert not catalog.tasks
    assert any(says in e.message and e.field == field and "env_task" in str(e.path) for e in catalog.errors), catalog.errors


# -- the host's pip -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("wheels")


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("venvs")


def test_wheels_are_downloaded_once(wheel_cache):
    first = fetch_wheels(TOOLZ, TargetPython.host(), wheel_cache)
    assert [name.split("-")[0] for name in first.wheels] == ["toolz"]
    again = fetch_wheels(TOOLZ, TargetPython.host(), wheel_cache)
    assert again == first  # from the manifest, hashes checked
    (first.directory / next(iter(first.wheels))).write_bytes(b"tampered")
    assert fetch_wheels(TOOLZ, TargetPython.host(), wheel_cache).wheels == first.wheels  # a damaged cache is downloaded again


@pytest.mark.parametrize("requirement, package", [(f"{UNKNOWN}==1.0", UNKNOWN), ("toolz==0.0.1", "toolz")])
def test_unresolvable_requirement_names_the_package(wheel_cache, requirement, package):
    with pytest.raises(EnvironmentBuildError) as caught:
        fetch_wheels(EnvironmentRequest(requirements=[requirement]), TargetPython.host(), wheel_cache)
    assert caught.value.package == package and repr(package) in str(caught.value)


def test_sdist_needing_a_missing_compiler_names_the_package(tmp_path, wheel_cache, monkeypatch):
    source = tmp_path / "cext_zq7-1.0"
    source.mkdir()
    (source / "setup.py").write_text(
        "from setuptools import Extension, setup\n"
        "setup(name='cext-zq7', version='1.0', ext_modules=[Extension('cext_zq7', ['cext_zq7.c'])])\n"
    )
    (source / "cext_zq7.c").write_text("#include <Python.h>\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, \"cext_zq7\"};\nPyMODINIT_FUNC PyInit_cext_zq7(void) { return PyModule_Create(&m); }\n")
    links = tmp_path / "links"
    links.mkdir()
    with tarfile.open(links / "cext_zq7-1.0.tar.gz", "w:gz") as archive:
        archive.add(source, arcname="cext_zq7-1.0")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))  # the compiler this host lacks
    with pytest.raises(EnvironmentBuildError) as caught:
        fetch_wheels(EnvironmentRequest(requirements=["cext-zq7==1.0"]), TargetPython.host(), wheel_cache)
    assert caught.value.package == "cext-zq7"
    assert "building it from source failed" in str(caught.value) and "compiler" in str(caught.value)


def test_only_binary_refuses_to_build_an_sdist(tmp_path, wheel_cache, monkeypatch):
    source = tmp_path / "sdist_only_zq7-1.0"
    source.mkdir()
    marker = tmp_path / "build-script-ran"
    (source / "setup.py").write_text(f"open({str(marker)!r}, 'w').close()\nfrom setuptools import setup\nsetup(name='sdist-only-zq7', version='1.0', py_modules=[])\n")
    links = tmp_path / "links"
    links.mkdir()
    with tarfile.open(links / "sdist_only_zq7-1.0.tar.gz", "w:gz") as archive:
        archive.add(source, arcname="sdist_only_zq7-1.0")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("DEBUGBOX_ONLY_BINARY", "1")
    with pytest.raises(EnvironmentBuildError) as caught:
        fetch_wheels(EnvironmentRequest(requirements=["sdist-only-zq7==1.0"]), TargetPython.host(), wheel_cache)
    assert caught.value.package == "sdist-only-zq7" and not marker.exists()
    monkeypatch.delenv("DEBUGBOX_ONLY_BINARY")  # by default the host builds it (the pack is trusted)
    built = fetch_wheels(EnvironmentRequest(requirements=["sdist-only-zq7==1.0"]), TargetPython.host(), wheel_cache)
    assert list(built.wheels)[0].startswith("sdist_only_zq7-1.0-py3-none-any") and marker.exists()


def test_installer_refuses_where_a_network_is_reachable(tmp_path):
    interfaces = {name for _, name in socket.if_nameindex()}
    if interfaces <= {"lo"}:
        pytest.skip("this host has no network interface besides loopback to refuse")
    result = subprocess.run([sys.executable, str(INSTALLER), str(tmp_path), "--require-no-network"], capture_output=True, text=True)
    assert result.returncode == 3 and "can reach a network" in result.stderr


# -- episodes on both backends, through MCP ------------------------------------------------------


def _provider(backend: str, wheel_cache: Path, venv_cache: Path, **settings):
    if backend == "docker":
        require_docker()
        return DockerProvider(DockerSettings(**{"pool_size": 1, "wheel_cache": wheel_cache, **settings}))
    return LocalProvider(wheel_cache=wheel_cache, venv_cache=venv_cache)


@pytest.fixture
async def env_service(backend, wheel_cache, venv_cache):
    catalog = load_catalog([str(ENVPACK)], include_bundled=False, environ={})
    assert set(catalog.tasks) == {"toolz_totals", "unknown_package"} and not catalog.errors
    service = DebugService(catalog, _provider(backend, wheel_cache, venv_cache), ServiceSettings())
    async with running(service):
        yield service


async def test_environment_task_plays_and_is_prepared_once(env_service, backend):
    task = env_service.catalog.get("toolz_totals")
    async with Client(build_server(env_service)) as client:
        # Two episodes ask for the missing environment at once: one preparation serves both.
        starts: list[dict] = []

        async def start() -> None:
            starts.append(await call_ok(client, "start_task", task_id="toolz_totals"))

        async with anyio.create_task_group() as tg:
            tg.start_soon(start)
            tg.start_soon(start)
        environments = env_service.provider.environments
        assert environments.built + environments.found == 1
        episode = starts[0]["episode_id"]
        ran = await call_ok(client, "run_tests", episode_id=episode)
        assert (ran["passed"], ran["failed"]) == (2, 1)  # toolz imports; only the bug fails
        if backend == "docker":
            container = env_service.registry.handles[episode].sandbox.container
            info = docker.from_env().api.inspect_container(container.id)
            assert info["Config"]["Image"].startswith(SANDBOX_IMAGE.rsplit(":", 1)[0] + ":env-")
            host = info["HostConfig"]
            assert host["ReadonlyRootfs"] and host["NetworkMode"] == "none" and host["CapDrop"] == ["ALL"]
            assert info["Config"]["User"] == "65534:65534"
        await call_ok(client, "replace_lines", episode_id=episode, path="orders.py", start_line=1, end_line=9, new_code=task.solution_files["orders.py"])
        submitted = await call_ok(client, "submit", episode_id=episode)
        assert submitted["score"] == 1.0 and submitted["resolved"]
        # A later episode reuses the environment: nothing is prepared again.
        again = await call_ok(client, "start_task", task_id="toolz_totals")
        assert (environments.built + environments.found, env_service.provider.status()["environments_ready"]) == (1, 1)
        for started in (starts[1], again):
            await call_ok(client, "submit", episode_id=started["episode_id"])


async def test_bad_environment_is_named_and_the_pack_still_served(env_service):
    async with Client(build_server(env_service)) as client:
        listed = await call_ok(client, "list_tasks")
        assert {t["task_id"] for t in listed["tasks"]} == {"toolz_totals", "unknown_package"}
        for _ in range(2):  # the second answer comes from the remembered failure, as clear
            result = await client.call_tool("start_task", {"task_id": "unknown_package"})
            text = text_of(result)
            assert result.is_error and not text.startswith("[sandbox_failure]")
            assert "'unknown_package' cannot start" in text and repr(UNKNOWN) in text and "list_tasks" in text
        assert not env_service.registry.handles  # nothing started, nothing charged
        started = await call_ok(client, "start_task", task_id="toolz_totals")
        await call_ok(client, "submit", episode_id=started["episode_id"])


PLANT_IN_THE_VENV = """
import json, os, sys, toolz
site_packages = os.path.dirname(os.path.dirname(toolz.__file__))
def attempt(path, mode, text):
    try:
        with open(path, mode) as f:
            f.write(text)
        return "written"
    except OSError as exc:
        return exc.errno
planted = {"prefix": sys.prefix, "pth": attempt(os.path.join(site_packages, "zz_plant.pth"), "w", "import sys; sys.PLANTED = 1\\n"),
           "module": attempt(toolz.__file__, "a", "\\nPLANTED = 1\\n")}
os.chmod(toolz.__file__, 0)  # Landlock has no right for chmod: this works, and would break every later episode
os.chmod(os.path.dirname(toolz.__file__), 0)
os.chmod(os.path.dirname(sys.prefix), 0)  # the venv cache: no later episode could start, nor a venv be made
print("PLANT" + json.dumps(planted))
"""


async def test_a_confined_episode_runs_in_its_environment_and_cannot_change_it(wheel_cache, venv_cache):
    """The OpenEnv image's runs are confined (sandbox/confine.py) and an environment's venv is
    shared by every later episode of it. Found by the red team: the venv was outside what Landlock
    let a run read, so every [environment] task failed to start there (a sandbox failure); it is
    now read-only to the runs, so nothing planted in it reaches the next episode, and the modes a
    run took off it (chmod 000: Landlock has no right for chmod) are given back before the next."""
    provider = LocalProvider(wheel_cache=wheel_cache, venv_cache=venv_cache, confine=True)
    outputs = []
    for code in (PLANT_IN_THE_VENV, "import json, sys, toolz; print('PLANT' + json.dumps([getattr(sys, 'PLANTED', 0), getattr(toolz, 'PLANTED', 0), toolz.identity(3)]))"):
        sandbox = await provider.acquire("ep_confined_env", TOOLZ)
        try:
            result = await sandbox.run(RunRequest(kind="python", files={}, code=code, timeout_s=30))
        finally:
            await sandbox.close()
        assert result.status == "ok", result
        outputs.append(json.loads(result.stdout.split("PLANT", 1)[1]))
    planted, later = outputs
    assert Path(planted["prefix"]).parent == venv_cache.resolve()  # it ran in the environment's venv
    assert (planted["pth"], planted["module"]) == (13, 13)  # EACCES
    assert later == [0, 0, 3]  # nothing planted, and toolz whole (the locked package came back)


# -- docker: the image and the pools --------------------------------------------------------


async def test_environment_image_builds_offline(wheel_cache):
    """The image build gets no network: the same context built with one is refused by its installer."""
    require_docker()
    client = docker.from_env()
    from sandbox.images.sandbox_image import ensure_sandbox_image

    await anyio.to_thread.run_sync(lambda: ensure_sandbox_image(client, tag=SANDBOX_IMAGE))  # run alone, nothing made it yet
    target = await anyio.to_thread.run_sync(environment_image.image_target, client, SANDBOX_IMAGE, wheel_cache)
    assert target.version == "3.11" or target.version.startswith("3.")
    wheelhouse = await anyio.to_thread.run_sync(fetch_wheels, TOOLZ, target, wheel_cache)
    tag = f"{SANDBOX_IMAGE.rsplit(':', 1)[0]}:envtest-{os.getpid()}"
    try:
        def build(network_mode: str) -> None:
            build_image(client, tag=tag, base_image=SANDBOX_IMAGE, context=environment_image._context(TOOLZ, wheelhouse), progress=None, network_mode=network_mode, nocache=True)

        with pytest.raises(ImageBuildError, match="can reach a network"):
            await anyio.to_thread.run_sync(build, "bridge")
        await anyio.to_thread.run_sync(build, "none")
        output = client.containers.run(tag, entrypoint=["python3", "-c", "import toolz; print(toolz.__version__)"], network_mode="none", remove=True, read_only=True)
        assert output.decode().startswith("1.")
    finally:
        try:
            client.images.remove(tag, force=True)
        except docker.errors.ImageNotFound:
            pass


async def test_environment_pool_shrinks_to_zero_when_idle(wheel_cache, venv_cache):
    require_docker()
    provider = _provider("docker", wheel_cache, venv_cache, environment_pool_idle_s=8)  # long enough for a loaded engine to refill
    await provider.start()
    engine = docker.from_env()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(provider.run_background)
            sandbox = await provider.acquire("env-pool-test", environment=TOOLZ)
            image = sandbox.container.image
            assert image != provider.settings.image
            ran = await sandbox.run(RunRequest(kind="python", files={}, code="import toolz; print(toolz.__version__)"))
            assert ran.stdout.startswith("1.")
            await sandbox.close(reuse=True)

            def mine() -> list[dict]:
                return engine.api.containers(all=True, filters={"label": f"{LABEL_INSTANCE}={provider.instance}", "ancestor": image})

            deadline = time.monotonic() + 60
            while provider.status()["pools"].get(image, 0) < 1 and time.monotonic() < deadline:
                await anyio.sleep(0.2)
            assert provider.status()["pools"].get(image, 0) >= 1  # warm while in use
            while (provider.status()["pools"].get(image) or mine()) and time.monotonic() < deadline:
                await anyio.sleep(0.2)
            status = provider.status()
            assert image not in status["pools"] and status["pool_shrunk"] >= 1
            assert not await anyio.to_thread.run_sync(mine)
            assert status["pools"].get(provider.settings.image) == 1  # the sandbox image's pool stays
            tg.cancel_scope.cancel()
    finally:
        await provider.aclose()


def test_image_build_tasks_prebuilds_and_names_the_bad_task(wheel_cache, venv_cache):
    backend = "docker"
    try:
        require_docker()
    except pytest.skip.Exception:
        backend = "local"  # the venvs are the local backend's environments
    env = {**os.environ, "DEBUGBOX_VENV_CACHE": str(venv_cache), "PYTHONPATH": str(Path(__file__).parents[1])}
    command = [sys.executable, "-m", "cli", "image", "build", "--tasks", str(ENVPACK), "--backend", backend, "--wheel-cache", str(wheel_cache)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 1, result.stderr
    err = " ".join(result.stderr.split())
    assert "FAILED unknown_package" in err and repr(UNKNOWN) in err
    assert "tasks: toolz_totals" in err and "1 of 2 environment(s) ready; 1 failed" in err


async def test_missing_image_is_built_once_logged_then_found_by_the_next_server(wheel_cache, venv_cache, caplog):
    """A request no session made before (a no-op exclusion makes it unique), so its image is
    really built here: once for two concurrent episodes, logged, and found by a second server."""
    require_docker()
    unique = EnvironmentRequest(requirements=[f"toolz>=1.0,<2,!=0.0.{os.getpid()}{int(time.time())}"])
    engine = docker.from_env()
    servers = [_provider("docker", wheel_cache, venv_cache, pool_size=0) for _ in range(2)]
    try:
        first, second = servers
        await first.start()
        with caplog.at_level("INFO"):
            sandboxes = []
            gaps: list[float] = []

            async def acquire() -> None:
                sandboxes.append(await first.acquire("env-build-test", environment=unique))

            async def tick() -> None:  # the event loop keeps turning while pip and the build run
                last = time.monotonic()
                while len(sandboxes) < 2:
                    await anyio.sleep(0.01)
                    gaps.append(time.monotonic() - last)
                    last = time.monotonic()

            async with anyio.create_task_group() as tg:
                tg.start_soon(acquire)
                tg.start_soon(acquire)
                tg.start_soon(tick)
        assert (first.environments.built, first.environments.found) == (1, 0)
        assert len(gaps) > 50 and max(gaps) < 0.5, max(gaps)
        assert sum("building environment image" in r.getMessage() for r in caplog.records) == 1
        image = sandboxes[0].container.image
        labels = engine.images.get(image).labels
        assert labels[environment_image.LABEL_IMAGE_KIND] == "environment" and labels[environment_image.LABEL_ENVIRONMENT] == unique.key
        for sandbox in sandboxes:
            await sandbox.close()
        await second.start()
        await (await second.acquire("env-build-test-2", environment=unique)).close()
        assert (second.environments.built, second.environments.found) == (0, 1)
    finally:
        for provider in servers:
            await provider.aclose()
        removed, kept = environment_image.remove_environment_images(engine, f"{environment_image.LABEL_ENVIRONMENT}={unique.key}")
        assert removed and not kept


def test_bench_environments_still_runs(tmp_path):
    require_docker()
    out = tmp_path / "BENCHMARKS_ENVIRONMENTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.environments", "--repeat", "2", "--out", str(out)],
        cwd=Path(__file__).parents[1], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    assert "`start_task` with a prebuilt environment image, pool hit, p50" in text and "environment image / plain image" in text
    assert "| start_task, environment image, pool hit | 2 |" in text


async def test_tasks_check_names_the_bad_environment_and_passes_the_rest(backend, wheel_cache, venv_cache, monkeypatch):
    from cli.tasks import in_process_server
    from harness.checker.check import CheckOptions, check_paths

    monkeypatch.setenv("DEBUGBOX_WHEEL_CACHE", str(wheel_cache))
    monkeypatch.setenv("DEBUGBOX_VENV_CACHE", str(venv_cache))
    settings = DockerSettings(pool_size=2, wheel_cache=wheel_cache) if backend == "docker" else None
    report = await check_paths([ENVPACK], CheckOptions(backend=backend, runs=1, concurrency=2, docker_settings=settings), in_process_server)
    verdicts = {v.task_id: v for v in report.verdicts}
    assert verdicts["toolz_totals"].valid, verdicts["toolz_totals"].reasons
    bad = verdicts["unknown_package"]
    assert not bad.valid and any("'unknown_package' cannot start" in r and repr(UNKNOWN) in r for r in bad.reasons), bad.reasons
