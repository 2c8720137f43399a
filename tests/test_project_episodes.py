"""Project episodes end to end through a real MCP client, on both backends: a real project (a
package, a dependency it declares), every tool on it, the patch applied with `git apply` on the
host making the project's tests pass, the user's tree byte-identical afterwards, refusals that
cost nothing, and concurrent episodes on one project that do not see each other."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client

from client_examples.sample_project import BUGGY, FIXED, write_sample_project
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from tasks.project import ProjectLimits
from tests.conftest import make_provider
from tests.helpers import call_ok, text_of

pytestmark = pytest.mark.anyio
NEW_TEST = "\n\ndef test_empty_cart_costs_nothing():\n    assert order_total([]) == 0\n"


def tree_digest(root: Path) -> dict[str, str]:
    """Every entry under root (ignored files, .git and the virtualenv included): its kind and bytes."""
    digest = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                digest[rel] = "link:" + os.readlink(path)
            elif path.is_dir():
                digest[rel] = "dir"
            else:
                digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.stat().st_mode:o}"
    return digest


@pytest.fixture(scope="session")
def toolz_on_host(tmp_path_factory) -> Path:
    """The sample project's dependency for the host's own pytest run, as pip downloads it (a pure
    wheel is importable from its zip): the host's environment stays as it was."""
    where = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(where), "toolz>=0.12"], check=True)
    return next(where.glob("toolz-*.whl"))


def host_pytest(project: Path, toolz: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{project}{os.pathsep}{toolz}", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")], cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture
async def projects(backend, catalog, tmp_path):
    """A server allowed to open projects under tmp_path/code, holding the sample project 'shop'."""
    root = tmp_path / "code"
    write_sample_project(root / "shop")
    settings = ServiceSettings(project_roots=(root,), project_limits=ProjectLimits(max_total_bytes=200_000))
    service = DebugService(catalog, make_provider(backend), settings)
    async with running(service):
        yield build_server(service), root / "shop", service


async def test_open_debug_fix_submit_and_git_apply_on_host(projects, backend, tmp_path, toolz_on_host):
    server, project, _ = projects
    before = tree_digest(project)
    async with Client(server) as client:
        opened = await call_ok(client, "open_project", path=str(project))
        episode = opened["episode_id"]
        assert opened["sandbox"]["backend"] == backend and opened["requirements"] == ["toolz>=0.12"]
        assert opened["test_targets"] == ["tests/test_pricing.py"] and opened["root"] == str(project.resolve())
        assert {f["path"] for f in opened["files"]} >= {"shopcart/pricing.py", "tests/test_pricing.py", "pyproject.toml"}
        assert all(f["role"] == "editable" for f in opened["files"]) and ".env" not in {f["path"] for f in opened["files"]}

        first = await call_ok(client, "run_tests", episode_id=episode)
        assert (first["passed"], first["total"]) == (3, 4), text_of(await client.call_tool("view_code", {"episode_id": episode}))
        assert [f["test"] for f in first["failures"]] == ["tests/test_pricing.py::test_order_at_threshold_gets_discount"]
        found = await client.call_tool("search_code", {"episode_id": episode, "pattern": "DISCOUNT_THRESHOLD:"})
        assert found.structured_content["total_matches"] == 1 and "shopcart/pricing.py:15|" in text_of(found)
        traced = await call_ok(client, "trace", episode_id=episode, target="tests/test_pricing.py::test_order_at_threshold_gets_discount", function="order_total")
        assert traced["calls_total"] >= 1
        stopped = await call_ok(client, "debug_start", episode_id=episode, target="tests/test_pricing.py::test_order_at_threshold_gets_discount", breakpoints=["shopcart/pricing.py:15"])
        assert (stopped["path"], stopped["line"], stopped["locals"].get("subtotal")) == ("shopcart/pricing.py", 15, "100")
        assert "100" in (await call_ok(client, "debug_command", episode_id=episode, command="p subtotal"))["output"]
        await call_ok(client, "debug_stop", episode_id=episode)
        snippet = await call_ok(client, "run_python", episode_id=episode, code="from shopcart import order_total\nprint(order_total([{'price': 100, 'qty': 1}]))")
        assert snippet["stdout"].strip() == "100"

        await call_ok(client, "replace_text", episode_id=episode, path="shopcart/pricing.py", old_text=BUGGY, new_text=FIXED)
        test_lines = len((project / "tests/test_pricing.py").read_text().splitlines())
        await call_ok(client, "replace_lines", episode_id=episode, path="tests/test_pricing.py", start_line=test_lines + 1, end_line=test_lines, new_code=NEW_TEST)
        assert (await call_ok(client, "show_diff", episode_id=episode))["files_changed"] == ["shopcart/pricing.py", "tests/test_pricing.py"]
        await call_ok(client, "reset_code", episode_id=episode)  # every file back, then the reset undone: the edits return
        assert FIXED not in (await call_ok(client, "view_code", episode_id=episode, path="shopcart/pricing.py"))["code"]
        await call_ok(client, "undo", episode_id=episode)
        assert FIXED in (await call_ok(client, "view_code", episode_id=episode, path="shopcart/pricing.py"))["code"]
        listed = await call_ok(client, "list_files", episode_id=episode, glob="*.py")
        assert {f["path"] for f in listed["files"]} == {"shopcart/__init__.py", "shopcart/pricing.py", "tests/__init__.py", "tests/test_pricing.py"}
        fixed = await call_ok(client, "run_tests", episode_id=episode)
        assert (fixed["passed"], fixed["total"]) == (5, 5)

        result = await client.call_tool("submit", {"episode_id": episode})
        submitted = result.structured_content
        outcome = submitted["project"]
        assert "git apply" in text_of(result) and "+" + FIXED in text_of(result)
        assert (outcome["tests_passed"], outcome["tests_total"], outcome["tests_failing"]) == (5, 5, [])
        assert outcome["files_changed"] == ["shopcart/pricing.py", "tests/test_pricing.py"] and outcome["root"] == str(project.resolve())
        assert submitted["done"] and submitted["reward"] == 0
        resource = await client.read_resource(f"episodes://{episode}/patch")
        assert resource.contents[0].text == outcome["patch"]
        state = json.loads((await client.read_resource(f"episodes://{episode}")).contents[0].text)
        assert len(state["rewards"]) == submitted["step"] and not any(state["rewards"])
        trajectory = json.loads((await client.read_resource(f"episodes://{episode}/trajectory")).contents[0].text)
        assert trajectory["steps"][0]["source"] == "user" and "opened on the project 'shop'" in trajectory["steps"][0]["message"]
        assert trajectory["steps"][-1]["tool_calls"][0]["function_name"] == "submit"

    assert tree_digest(project) == before, "the server wrote to the user's project"
    target = shutil.copytree(project, tmp_path / "applied", symlinks=True)
    assert host_pytest(target, toolz_on_host).returncode == 1  # the original fails one test on the host too
    patch_file = tmp_path / "fix.patch"
    patch_file.write_text(outcome["patch"])
    check = subprocess.run(["git", "apply", "--check", str(patch_file)], cwd=target, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    subprocess.run(["git", "apply", str(patch_file)], cwd=target, check=True)
    assert FIXED in (target / "shopcart/pricing.py").read_text() and NEW_TEST in (target / "tests/test_pricing.py").read_text()
    host = host_pytest(target, toolz_on_host)
    assert host.returncode == 0 and "5 passed" in host.stdout, host.stdout[-2000:]


async def test_every_step_of_a_project_episode_pays_0_and_the_budget_submit_carries_the_patch(projects):
    server, project, _ = projects
    async with Client(server) as client:
        episode = (await call_ok(client, "open_project", path="shop", max_steps=2))["episode_id"]
        edit = await call_ok(client, "replace_text", episode_id=episode, path="shopcart/pricing.py", old_text=BUGGY, new_text=FIXED)
        last = await call_ok(client, "run_tests", episode_id=episode)
        assert edit["reward"] == 0 and last["reward"] == 0 and last["done"]
        assert last["submission"]["end_reason"] == "budget_spent" and last["submission"]["reward"] == 0
        assert last["submission"]["project"]["files_changed"] == ["shopcart/pricing.py"]
        assert "+" + FIXED in last["submission"]["project"]["patch"]
        after = await client.call_tool("view_code", {"episode_id": episode})
        assert after.is_error and f"its patch is at episodes://{episode}/patch. Call open_project" in text_of(after)


async def test_refusals_name_the_problem_and_start_nothing(projects, tmp_path):
    server, project, service = projects
    outside = tmp_path / "elsewhere"
    write_sample_project(outside)
    (project.parent / "escape").symlink_to(outside)
    big = project.parent / "big"
    big.mkdir()
    for n in range(5):
        (big / f"m{n}.py").write_text("x = 1\n" * 8000)
    cases = {
        str(outside): "outside the allowed project roots",
        str(project.parent / "escape"): "resolves to",
        f"{project}/../../elsewhere": "outside the allowed project roots",
        str(project.parent / "nope"): "does not exist",
        str(big): "too large",
    }
    async with Client(server) as client:
        for path, needle in cases.items():
            result = await client.call_tool("open_project", {"path": path})
            assert result.is_error and needle in text_of(result) and "Nothing was opened" in text_of(result), text_of(result)
        result = await client.call_tool("open_project", {"path": str(project), "test_command": "-p no:harness"})
        assert result.is_error and "'-p' is not supported" in text_of(result)
        unknown = write_sample_project(project.parent / "unknown_dependency")
        (unknown / "requirements.txt").write_text("definitely-not-a-package-debugbox==9.9\n")
        result = await client.call_tool("open_project", {"path": str(unknown)})
        assert result.is_error and "definitely-not-a-package-debugbox==9.9" in text_of(result) and "Nothing was started" in text_of(result)
        result = await client.call_tool("open_project", {"path": str(project), "max_steps": 0})
        assert result.is_error and "max_steps must be between 1 and" in text_of(result)
    assert not service.registry.handles, "a refused open_project left an episode behind"


async def test_no_root_means_open_project_says_how_to_allow_one(catalog, tmp_path):
    service = DebugService(catalog, make_provider("local"), ServiceSettings())
    async with running(service), Client(build_server(service)) as client:
        result = await client.call_tool("open_project", {"path": str(tmp_path)})
        assert result.is_error and "--project-root" in text_of(result) and "DEBUGBOX_PROJECT_ROOTS" in text_of(result)


async def test_concurrent_episodes_on_one_project_are_independent(projects):
    server, project, _ = projects
    before = tree_digest(project)
    results: dict[str, dict] = {}
    async with Client(server) as client:
        fixer = (await call_ok(client, "open_project", path=str(project)))["episode_id"]
        breaker = (await call_ok(client, "open_project", path=str(project)))["episode_id"]

        async def play(name: str, episode: str, old: str, new: str) -> None:
            await call_ok(client, "replace_text", episode_id=episode, path="shopcart/pricing.py", old_text=old, new_text=new)
            results[name] = await call_ok(client, "run_tests", episode_id=episode)

        async with anyio.create_task_group() as tg:
            tg.start_soon(play, "fixer", fixer, BUGGY, FIXED)
            tg.start_soon(play, "breaker", breaker, "DISCOUNT = 0.10", "DISCOUNT = 0.5")
        assert results["fixer"]["passed"] == 4 and results["breaker"]["passed"] == 2
        fixer_patch = (await call_ok(client, "submit", episode_id=fixer))["project"]["patch"]
        breaker_patch = (await call_ok(client, "submit", episode_id=breaker))["project"]["patch"]
    assert "+" + FIXED in fixer_patch and "DISCOUNT = 0.5" not in fixer_patch
    assert "+DISCOUNT = 0.5" in breaker_patch and FIXED not in breaker_patch
    assert tree_digest(project) == before
