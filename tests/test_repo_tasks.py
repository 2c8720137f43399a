"""Repository-shaped tasks (issue 18, items 2 and 3): `[tests]` and editable globs at load, the
project's own pytest configuration in every run, hidden tests that share the visible tests'
directory yet stay invisible to every reading tool, and the attacks a project opens on scoring.

The fixture task `tests/fixtures/repo_tasks/shelf_inventory` is a small project: a package with a
data file, a pyproject.toml with pytest options (--strict-markers, a registered marker), a
read-only tests/conftest.py fixture, an editable glob, hidden tests at the visible tests' own path
(tests/test_stock.py) and a marker expression that deselects a test that would fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mcp import Client

from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from tasks.loader import Catalog, load_pack, load_task
from tests.conftest import make_provider
from tests.test_mcp_tools import fails, ok

pytestmark = pytest.mark.anyio

PACK = Path(__file__).parent / "fixtures" / "repo_tasks"
TASK = "shelf_inventory"
MODULE = "shelf/units.py"
HIDDEN_ONLY = 'stock.deliver("nail", 1, "gross")'  # a line only the hidden tests hold


def copy_task(tmp_path: Path, toml_edit=None, files: dict[str, str] | None = None) -> Path:
    task_dir = tmp_path / TASK
    shutil.copytree(PACK / TASK, task_dir)
    if toml_edit:
        spec = task_dir / "task.toml"
        spec.write_text(toml_edit(spec.read_text()))
    for rel, text in (files or {}).items():
        (task_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (task_dir / rel).write_text(text)
    return task_dir


def load_errors(task_dir: Path) -> list[str]:
    tasks, errors = load_pack(task_dir)
    assert not tasks
    return [str(e) for e in errors]


# -- the format -------------------------------------------------------------------------------


def test_the_fixture_loads_with_its_project_paths():
    task = load_task(PACK / TASK)
    assert task.editable == ("shelf/__init__.py", "shelf/stock.py", "shelf/units.py")  # the glob shelf/*.py
    assert "shelf/data/units.json" in task.readonly_source_files() and "tests/conftest.py" in task.readonly_source_files()
    assert list(task.test_files) == ["tests/test_stock.py"] and list(task.hidden_test_files) == ["tests/test_stock.py"]
    assert task.spec.tests.markers == "not slow" and task.hidden_test_count == 0  # counted from the original's run


@pytest.mark.parametrize(
    ("pattern", "needle"),
    [
        ('"shelf/**/*.rs"', "'shelf/**/*.rs': glob selects no file of src/"),
        ('"pyproject.toml", "shelf/*.py"', "pyproject.toml configures pytest or Python itself"),
        ('"tests/conftest.py", "shelf/*.py"', "tests/conftest.py configures pytest"),
        ('"**/*.py"', "tests/conftest.py configures pytest"),
        ('"shelf/[a-z*.py"', "'[' without its ']'"),
    ],
)
def test_bad_editable_patterns_are_load_errors_naming_the_file(tmp_path, pattern, needle):
    task_dir = copy_task(tmp_path, lambda t: t.replace('editable = ["shelf/*.py"]', f"editable = [{pattern}]"))
    assert any(needle in e for e in load_errors(task_dir)), load_errors(task_dir)


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("shelf/sitecustomize.py", "configures pytest or Python itself"),
        ("shelf/usercustomize.py", "configures pytest or Python itself"),
        ("pytest.ini", "configures pytest or Python itself"),
        ("pytest.toml", "configures pytest or Python itself"),  # pytest 9 reads its addopts
        (".pytest.toml", "configures pytest or Python itself"),
        ("tox.ini", "configures pytest or Python itself"),
        ("setup.cfg", "configures pytest or Python itself"),
        ("shelf/conftest.py", "configures pytest or Python itself"),
        ("shelf/zz_hook.pth", "configures pytest or Python itself"),
        ("shelf/test_helpers.py", "named like a test file"),
        ("tests/helpers.py", "sits in the test directory tests/"),
        ("tests/__init__.py", "sits in the test directory tests/"),
    ],
)
def test_config_and_test_code_cannot_be_editable(tmp_path, name, needle):
    task_dir = copy_task(tmp_path, lambda t: t.replace('editable = ["shelf/*.py"]', f'editable = ["shelf/*.py", "{name}"]'), {f"src/{name}": "X = 1\n"})
    assert any(needle in e for e in load_errors(task_dir)), load_errors(task_dir)


@pytest.mark.parametrize(
    ("tests_table", "needle"),
    [
        ('args = ["-k", "dozen"]', "'-k' is the runner's to set"),
        ('args = ["-m", "slow"]', "use [tests] markers"),
        ('args = ["--deselect=tests/test_stock.py::test_gross"]', "'--deselect' is the runner's"),
        ('args = ["-x"]', "'-x' is the runner's"),
        ('args = ["-vv"]', "'-vv' is the runner's"),
        ('args = ["tests/other.py"]', "is not an option"),
        ('args = ["-p"]', "needs a value"),
        ('root = "../elsewhere"', "must be a relative POSIX path"),
        ('root = "shelf"', "is outside the tests' root 'shelf'"),
        ('markers = "a\\nb"', "one line"),
        ('unknown = 1', "Extra inputs are not permitted"),
    ],
)
def test_bad_tests_tables_are_load_errors(tmp_path, tests_table, needle):
    task_dir = copy_task(tmp_path, lambda t: t.replace('markers = "not slow"\n', "").replace('args = ["-p", "no:doctest"]', tests_table))
    assert any(needle in e for e in load_errors(task_dir)), load_errors(task_dir)


def test_a_test_shadowing_a_source_file_is_a_load_error(tmp_path):
    task_dir = copy_task(tmp_path, files={"tests/conftest.py": "# shadows src/tests/conftest.py\n"})
    assert any("visible test tests/conftest.py would replace the source file src/tests/conftest.py" in e for e in load_errors(task_dir))


# -- through the service, on both backends ----------------------------------------------------


@pytest.fixture
def repo_catalog() -> Catalog:
    catalog = Catalog()
    catalog.add_pack(PACK)
    assert not catalog.errors, catalog.errors
    return catalog


@pytest.fixture
async def repo_service(backend, repo_catalog):
    svc = DebugService(repo_catalog, make_provider(backend), ServiceSettings())
    async with running(svc):
        yield svc


async def play(service: DebugService, module: str | None) -> tuple[object, object]:
    """Start, replace shelf/units.py (unless None), run the visible tests, submit."""
    task = service.catalog.get(TASK)
    episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
    if module is not None:
        await service.replace_lines(episode, 1, len(task.source_files[MODULE].splitlines()), module, MODULE, owner=LOCAL_OWNER)
    visible = await service.run_tests(episode, owner=LOCAL_OWNER)
    return visible, await service.submit(episode, owner=LOCAL_OWNER)


async def test_the_projects_config_conftest_and_markers_work_and_the_solution_resolves(repo_service):
    task = repo_service.catalog.get(TASK)
    visible, original = await play(repo_service, None)
    assert (visible.passed, visible.total) == (2, 3) and "tests/test_stock.py::test_dozen" in visible.text()
    assert original.score == 0.0 and original.hidden_total == 5  # the slow test is deselected by markers
    visible, solved = await play(repo_service, task.solution_files[MODULE])
    assert (visible.passed, visible.total) == (3, 3)
    assert solved.resolved and solved.score == 1.0 and (solved.fixed, solved.broken) == (2, 0)


async def test_hidden_tests_at_the_visible_tests_path_stay_invisible(backend, repo_catalog):
    """Item 3 on a project: list_files, search_code and view_code read every project file (data
    files and config too) and never a hidden test, though it sits at tests/test_stock.py."""
    service = DebugService(repo_catalog, make_provider(backend), ServiceSettings())
    async with running(service), Client(build_server(service)) as client:
        started = await ok(client, "start_task", task_id=TASK)
        episode = started["episode_id"]
        listed = await ok(client, "list_files", episode_id=episode)
        roles = {f["path"]: f["role"] for f in listed["files"]}
        assert roles == {
            "pyproject.toml": "readonly", "shelf/__init__.py": "editable", "shelf/stock.py": "editable", "shelf/units.py": "editable",
            "shelf/data/units.json": "readonly", "tests/conftest.py": "readonly", "tests/test_stock.py": "test",
        }
        assert all(f["bytes"] > 0 and f["lines"] > 0 for f in listed["files"])
        only_shelf = await ok(client, "list_files", episode_id=episode, glob="shelf/**")
        assert {f["path"] for f in only_shelf["files"]} == {p for p in roles if p.startswith("shelf/")}
        for pattern in (HIDDEN_ONLY, "test_gross", "test_slow_is_deselected"):
            found = await ok(client, "search_code", episode_id=episode, pattern=pattern)
            assert found["total_matches"] == 0, found
        dozen = await ok(client, "search_code", episode_id=episode, pattern="dozen", glob="*.json")
        assert dozen["matches"] == ['shelf/data/units.json:1|{"each": 1, "pair": 2, "dozen": 12, "gross": 144}']
        view = await ok(client, "view_code", episode_id=episode, path="tests/test_stock.py")
        assert "test_dozen" in view["code"] and "test_gross" not in view["code"]  # the visible file
        config = await ok(client, "view_code", episode_id=episode, path="pyproject.toml")
        assert "--strict-markers" in config["code"]
        await fails(client, "replace_text", "not an editable file", episode_id=episode, path="pyproject.toml", old_text="--strict-markers", new_text="-p no:python")
        await fails(client, "replace_text", "visible test file", episode_id=episode, path="tests/test_stock.py", old_text="== 24", new_text="== 26")
        await fails(client, "view_code", "no file", episode_id=episode, path="hidden_tests/test_stock.py")


# -- attacks through the project on scoring ---------------------------------------------------

# Code placed at the top of the editable shelf/units.py, which the conftest imports before any
# test module. Each must earn no more than the module's honest behaviour.
ATTACKS = {
    "forged tests injected into the test module as it is imported": """
import builtins as _b
_real_import = _b.__import__
def _import(name, globals=None, *args, **kwargs):
    if globals and str(globals.get("__name__", "")).endswith("test_stock") and "test_forged_0" not in globals:
        for _i in range(40):
            globals[f"test_forged_{_i}"] = lambda: None
    return _real_import(name, globals, *args, **kwargs)
_b.__import__ = _import
""",
    # A new case of a test the original collected is conjured, not fixed: without that rule, 50
    # copies of each test (the passing ones pass) scored 0.6 on the buggy logic.
    "every test parametrized again by a pytest_generate_tests slipped into the test module": """
import builtins as _b, pytest as _pytest
_real_import = _b.__import__
@_pytest.fixture(autouse=True)
def _copy():
    return None
def _copies(metafunc):
    if "_copy" in metafunc.fixturenames:
        metafunc.parametrize("_copy", list(range(50)))
def _import(name, globals=None, *args, **kwargs):
    if globals and str(globals.get("__name__", "")).endswith("test_stock") and "_copy" not in globals:
        globals["_copy"] = _copy
        globals["pytest_generate_tests"] = _copies
    return _real_import(name, globals, *args, **kwargs)
_b.__import__ = _import
""",
    "a pytest.ini and conftest.py written into the project at import": """
import os
for _d in (".", "tests"):
    try:
        with open(os.path.join(_d, "pytest.ini"), "w") as _f:
            _f.write("[pytest]\\naddopts = -p no:python --deselect tests/test_stock.py::test_gross\\n")
        with open(os.path.join(_d, "conftest.py"), "a") as _f:
            _f.write("\\nimport pytest\\n@pytest.hookimpl(hookwrapper=True)\\ndef pytest_runtest_makereport(item, call):\\n    o = yield\\n    o.get_result().outcome = 'passed'\\n")
    except OSError:
        pass
""",
    "a plugin registered at import whose pytest_collection_modifyitems drops the failing tests": """
import gc, _pytest.config
class _DropFailing:
    def pytest_collection_modifyitems(self, session, config, items):
        items[:] = [item for item in items if "dozen" not in item.nodeid and "gross" not in item.nodeid]
for _config in [o for o in gc.get_objects() if isinstance(o, _pytest.config.Config)]:
    _config.pluginmanager.register(_DropFailing())
""",
    "the hidden tests' conftest fixture replaced through the module": """
import sys
def _forged_stock():
    class _Everything:
        def __getattr__(self, name):
            return lambda *a, **k: None
        def __eq__(self, other):
            return True
    return _Everything()
for _name, _mod in list(sys.modules.items()):
    if _name.endswith("conftest") and hasattr(_mod, "stock"):
        _mod.stock.__wrapped__ = _forged_stock
""",
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_attacks_through_the_project_earn_no_more_than_honest_code(repo_service, name):
    task = repo_service.catalog.get(TASK)
    _, honest = await play(repo_service, "# honest\n" + task.source_files[MODULE])
    visible, attacked = await play(repo_service, ATTACKS[name] + task.source_files[MODULE])
    _, attacked_solution = await play(repo_service, ATTACKS[name] + task.solution_files[MODULE])
    assert honest.score == 0.0
    assert attacked.score == 0.0 and not attacked.resolved, (attacked, visible.text())
    assert visible.passed <= 2, visible.text()
    assert attacked_solution.score <= 1.0


# -- the resident runner keeps third-party imports warm ---------------------------------------

PROBE_TEST = """import sys
LOADED = {name: name in sys.modules for name in ("xml.dom.minidom", "shelfmod")}

def test_what_was_loaded_before_this_module():
    print(LOADED)
    assert LOADED == EXPECTED
"""


@pytest.mark.parametrize("preload", [[], ["xml.dom.minidom", "shelfmod"]])
async def test_preloaded_modules_are_warm_in_every_run_and_the_episodes_own_never(backend, preload):
    """`preload` imports installed modules once in the runner's pristine process, so a run finds them
    in sys.modules; a name that is the episode's own module (shelfmod.py in the workspace) is never
    imported there: the runner's process never runs the episode's code."""
    from sandbox.base import RunRequest

    expected = {"xml.dom.minidom": bool(preload), "shelfmod": False}
    files = {"shelfmod.py": "raise SystemExit('imported by the runner')\n", "tests/test_probe.py": f"EXPECTED = {expected!r}\n" + PROBE_TEST}
    provider = make_provider(backend)
    await provider.start()
    try:
        sandbox = await provider.acquire("preload-probe")
        try:
            for _ in range(2):  # the first run preloads; the second finds them still there
                result = await sandbox.run(RunRequest(kind="pytest", files=files, targets=["tests/test_probe.py"], preload=preload))
                assert [t.outcome for t in result.tests] == ["passed"], result
        finally:
            await sandbox.close(reuse=False)
    finally:
        await provider.aclose()


def nested_project(tmp_path: Path) -> Catalog:
    """The fixture with its project one level down, in app/: [tests] root = "app"."""
    task_dir = copy_task(tmp_path)
    for folder in ("src", "solution"):
        inner = task_dir / folder / "app"
        inner.mkdir()
        for entry in list((task_dir / folder).iterdir()):
            if entry.name != "app":
                entry.rename(inner / entry.name)
    spec = task_dir / "task.toml"
    spec.write_text(
        spec.read_text()
        .replace('main_file = "shelf/stock.py"', 'main_file = "app/shelf/stock.py"')
        .replace('editable = ["shelf/*.py"]', 'editable = ["app/shelf/*.py"]')
        .replace('visible_dir = "tests"', 'visible_dir = "app/tests"\nroot = "app"')
        .replace('hidden_dir = "tests"', 'hidden_dir = "app/tests"')
    )
    catalog = Catalog()
    catalog.add_pack(task_dir)
    assert not catalog.errors, catalog.errors
    return catalog


async def test_a_project_below_the_workspace_root_runs_from_its_root(backend, tmp_path):
    """root = "app": pytest runs in app/ (its pyproject.toml, its conftest, `from shelf import ...`),
    and every node id the agent sees is still a project path (app/tests/...)."""
    catalog = nested_project(tmp_path)
    task = catalog.get(TASK)
    service = DebugService(catalog, make_provider(backend), ServiceSettings())
    async with running(service):
        episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        visible = await service.run_tests(episode, owner=LOCAL_OWNER)
        assert (visible.passed, visible.total) == (2, 3), visible.text()
        assert visible.passing == ["app/tests/test_stock.py::test_each", "app/tests/test_stock.py::test_pairs"]
        assert "app/tests/test_stock.py::test_dozen" in visible.text()
        chosen = await service.run_tests(episode, owner=LOCAL_OWNER, tests=["app/tests/test_stock.py::test_dozen"])
        assert (chosen.passed, chosen.total) == (0, 1)
        path = "app/shelf/units.py"
        await service.replace_lines(episode, 1, len(task.source_files[path].splitlines()), task.solution_files[path], path, owner=LOCAL_OWNER)
        submitted = await service.submit(episode, owner=LOCAL_OWNER)
        assert submitted.resolved and submitted.score == 1.0 and submitted.hidden_total == 5


async def test_a_selection_in_the_projects_config_never_drops_the_runners_check(tmp_path):
    """The project's own addopts select tests by name (-k stock); the planted harness check does not
    match, and must still run (else every run would be void: this failed before the runner put it back)."""
    config = (PACK / TASK / "src/pyproject.toml").read_text().replace('"--strict-markers"', '"--strict-markers -k stock"')
    task_dir = copy_task(tmp_path, files={"src/pyproject.toml": config})
    catalog = Catalog()
    catalog.add_pack(task_dir)
    service = DebugService(catalog, make_provider("local"), ServiceSettings())
    async with running(service):
        visible, submitted = await play(service, catalog.get(TASK).solution_files[MODULE])
    assert (visible.passed, visible.total) == (3, 3) and "tampered" not in visible.text(), visible.text()
    assert submitted.resolved


CASES_TEST = """import pytest

from shelf.units import GROSS

CASES = [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("n", CASES)
def test_gross_cases(stock, n):
    stock.deliver("nail", n, "gross")
    assert stock.total("nail") == n * GROSS
"""


async def test_visible_cases_that_vanish_still_count_in_a_full_run(tmp_path):
    """A visible module whose parameters are not a literal defines one test statically and six in a
    run. Code that makes it fail to import must not shrink the total below what the original's run
    counted: against the static count alone, the visible pass fraction rose from 2/9 to 2/4 and the
    run paid a shaped reward for breaking an import."""
    task_dir = copy_task(tmp_path, files={"tests/test_cases.py": CASES_TEST, "src/shelf/units.py": (PACK / TASK / "src" / MODULE).read_text() + "\nGROSS = 144\n"})
    catalog = Catalog()
    catalog.add_pack(task_dir)
    assert not catalog.errors, catalog.errors
    service = DebugService(catalog, make_provider("local"), ServiceSettings())
    async with running(service):
        original, _ = await play(service, None)
        assert (original.passed, original.total) == (2, 9), original.text()
        broken_import, _ = await play(service, catalog.get(TASK).source_files[MODULE].replace("GROSS = 144", "# GROSS removed"))
    assert (broken_import.passed, broken_import.total) == (2, 9) and broken_import.reward == 0.0, broken_import.text()


async def test_the_debugger_and_trace_work_in_a_project_below_the_workspace_root(backend, tmp_path):
    """debug_start and trace on a visible test of a root = "app" project: pdb stops in the project's
    code (paths from the project root), and the trace follows the buggy function."""
    catalog = nested_project(tmp_path)
    service = DebugService(catalog, make_provider(backend), ServiceSettings())
    async with running(service):
        episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        started = await service.debug_start(episode, "app/tests/test_stock.py::test_dozen", ["app/shelf/units.py:13"], owner=LOCAL_OWNER)
        assert started.state == "stopped", started.text()
        assert (started.path, started.line) == ("app/shelf/units.py", 13), started.text()
        assert started.locals.get("unit") == "'dozen'"
        await service.debug_stop(episode, owner=LOCAL_OWNER)
        traced = await service.trace(episode, "app/tests/test_stock.py::test_dozen", "pieces", owner=LOCAL_OWNER)
        assert traced.calls_total == 1 and traced.path == "app/shelf/units.py", traced.text()
