"""`debugbox image export-space`: the directory a user pushes to a Hugging Face Space. Its front
matter is what the Hub reads (a Docker Space on app_port), and the directory builds as it is and
serves the way a Space runs it: as uid 1000, on its app_port (Docker)."""

from __future__ import annotations

import re
import subprocess
import sys

import docker
import pytest
import yaml

from harness.openenv_client import DebugboxEnv, wait_healthy
from tests.conftest import require_docker
from tests.openenv_helpers import ROOT

HUB_COLORS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
TASK = "binary_search_off_by_one"


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    directory = tmp_path_factory.mktemp("space") / "debugbox-space"
    done = subprocess.run(
        [sys.executable, "-m", "cli", "image", "export-space", str(directory)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "git push" in done.stderr
    return directory


def front_matter(readme: str) -> dict:
    match = re.match(r"---\n(.*?)\n---\n", readme, re.S)
    assert match, "a Space's README.md starts with YAML front matter between --- lines"
    return yaml.safe_load(match.group(1))


def test_the_front_matter_is_a_docker_space_on_the_images_port(space):
    meta = front_matter((space / "README.md").read_text())
    assert meta["sdk"] == "docker" and meta["app_port"] == 8000 and isinstance(meta["app_port"], int)
    assert meta["title"] and meta["emoji"] and {meta["colorFrom"], meta["colorTo"]} <= HUB_COLORS
    assert len(meta["short_description"]) <= 60 and "openenv" in meta["tags"]
    dockerfile = (space / "Dockerfile").read_text()
    assert dockerfile == (ROOT / "Dockerfile.openenv").read_text()  # the Space runs the OpenEnv image itself
    assert f"EXPOSE {meta['app_port']}" in dockerfile and "PORT=8000" in dockerfile
    assert any(p.name.startswith("debugbox-") for p in (space / "build" / "wheelhouse").glob("*.whl"))
    assert "*.whl filter=lfs" in (space / ".gitattributes").read_text()


def test_exporting_into_a_used_directory_is_refused(space):
    done = subprocess.run([sys.executable, "-m", "cli", "image", "export-space", str(space)], cwd=ROOT, capture_output=True, text=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0 and "is not empty" in done.stderr and "Traceback" not in done.stderr


def test_the_space_builds_as_it_is_and_serves_as_uid_1000(space):
    from sandbox.images.build import DEFAULT_BASE_IMAGE, image_exists
    from sandbox.images.offline_base import OFFLINE_BASE_IMAGE

    require_docker()
    client = docker.from_env()
    # The Hub builds on the Dockerfile's default base; here no registry may answer, so the offline one.
    base = OFFLINE_BASE_IMAGE if image_exists(OFFLINE_BASE_IMAGE, client) else DEFAULT_BASE_IMAGE
    tag = "debugbox-openenv:test-space-openenv2"
    client.images.build(path=str(space), tag=tag, buildargs={"BASE_IMAGE": base}, rm=True, network_mode="none")
    meta = front_matter((space / "README.md").read_text())
    port = f"{meta['app_port']}/tcp"
    container = client.containers.run(tag, detach=True, user="1000:1000", ports={port: ("127.0.0.1", None)}, labels={"io.debugbox.role": "openenv-test"})
    try:
        container.reload()
        url = f"http://127.0.0.1:{container.attrs['NetworkSettings']['Ports'][port][0]['HostPort']}"
        wait_healthy(url, 60)
        with DebugboxEnv(url) as env:
            env.reset(task_id=TASK)
            obs, _, _ = env.step(("run_python", {"code": "import os; print(os.getuid())"}))
            assert obs.structured["stdout"].strip() == "1000"
    finally:
        container.remove(force=True)
