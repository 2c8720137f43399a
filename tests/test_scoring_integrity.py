"""DESIGN.md, Scoring: only the editable files' content reaches the scoring run. Whatever else an
agent does through run_python, the score equals what its editable files alone earn.

And what the editable files earn is what their code does when the tests call it, not what it can
make pytest report: code in the editable module runs inside the test process, so the runner plants
a check that must fail in every run and voids the run (every test an error, score 0) when pytest
was rewired to pass it, or when a test file changed during the run (sandbox/runner.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from tasks.loader import Catalog, load_task
from tests.conftest import make_provider

pytestmark = pytest.mark.anyio
TASK = "binary_search_off_by_one"
MODULE = "binary_search.py"

HOSTILE_SNIPPETS = {
    "conftest.py that passes every test": """
import os
for d in ('.', 'tests', 'hidden_tests', '..', os.path.expanduser('~')):
    try:
        with open(os.path.join(d, 'conftest.py'), 'w') as f:
            f.write('import pytest\\n@pytest.hookimpl(hookwrapper=True)\\ndef pytest_runtest_makereport(item, call):\\n    o = yield\\n    r = o.get_result(); r.outcome = "passed"\\n')
    except OSError:
        pass
""",
    "sitecustomize.py and .pth files": """
import os, site, sys
paths = [os.getcwd(), os.path.expanduser('~')]
if os.environ.get('HOME', '').startswith('/workspace'):
    # Inside a container (/tmp is a wiped tmpfs, site-packages is read-only). Never on the
    # local backend: it is not a security boundary, and this would poison the host's Python.
    paths += ['/tmp'] + [p for p in sys.path if p.endswith('-packages')]
for d in paths:
    for name, body in (('sitecustomize.py', 'import builtins; builtins.__debugbox_pwned__ = True\\n'), ('zz_pwn.pth', 'import os; os.environ["PWNED"] = "1"\\n')):
        try:
            with open(os.path.join(d, name), 'w') as f:
                f.write(body)
        except OSError:
            pass
""",
    "a background process that rewrites files later": """
import os, subprocess, sys
# Only below the run's own directory: on the local backend this runs on the host.
root = os.path.dirname(os.getcwd())
body = "def binary_search(items, target):\\n    return items.index(target) if target in items else -1\\n"
code = (
    "import glob, time\\n"
    f"for _ in range(600):\\n"
    f"    for p in glob.glob({root!r} + '/**/binary_search.py', recursive=True):\\n"
    f"        open(p, 'w').write({body!r})\\n"
    "    time.sleep(0.05)\\n"
)
subprocess.Popen([sys.executable, '-c', code], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
""",
    "rewriting the visible tests and the module in the run's workspace": """
import glob
for p in glob.glob('tests/*.py') + glob.glob('*.py'):
    open(p, 'w').write('def test_ok():\\n    assert True\\n')
""",
    "planting passing tests where the hidden tests will be, by relative and absolute guesses": """
import os
dirs = ['hidden_tests', 'tests']
if os.environ.get('HOME', '').startswith('/workspace'):
    # Inside a container only: on the local backend these paths are the host's.
    dirs += ['/workspace/run/hidden_tests', '/workspace/hidden_tests', '/workspace/run/tests', '/tmp/hidden_tests']
for d in dirs:
    os.makedirs(d, exist_ok=True)
    for name in ('test_binary_search_hidden.py', 'test_binary_search.py', 'conftest.py'):
        with open(os.path.join(d, name), 'w') as f:
            f.write('def test_ok():\\n    assert True\\n')
""",
}


async def score_after(service: DebugService, snippet: str | None, use_solution: bool) -> float:
    task = service.catalog.get(TASK)
    start = await service.start_task(TASK, owner=LOCAL_OWNER)
    episode = start.episode_id
    if use_solution:
        lines = len(task.source_files["binary_search.py"].splitlines())
        await service.replace_lines(episode, 1, lines, task.solution_files["binary_search.py"], None, owner=LOCAL_OWNER)
    if snippet is not None:
        await service.run_python(episode, snippet, 10, owner=LOCAL_OWNER)
    return (await service.submit(episode, owner=LOCAL_OWNER)).score


@pytest.mark.parametrize("name", sorted(HOSTILE_SNIPPETS))
async def test_hostile_run_python_does_not_change_the_score(service, name):
    baseline = await score_after(service, None, use_solution=False)
    assert baseline < 1.0
    assert await score_after(service, HOSTILE_SNIPPETS[name], use_solution=False) == baseline
    assert await score_after(service, HOSTILE_SNIPPETS[name], use_solution=True) == 1.0


async def score_after_debugging(service: DebugService, snippet: str, use_solution: bool) -> float:
    """The snippet through every debugger path: as a debug_start target run on, as a pdb `!`
    statement in a session on a visible test that is left live at submit, and as a trace target."""
    task = service.catalog.get(TASK)
    episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
    if use_solution:
        lines = len(task.source_files[MODULE].splitlines())
        await service.replace_lines(episode, 1, lines, task.solution_files[MODULE], None, owner=LOCAL_OWNER)
    await service.trace(episode, snippet, "binary_search", owner=LOCAL_OWNER)
    await service.debug_start(episode, snippet, None, owner=LOCAL_OWNER)
    await service.debug_command(episode, "c", owner=LOCAL_OWNER)
    await service.debug_start(episode, "tests/test_binary_search.py::test_finds_middle_element", [f"{MODULE}:14"], owner=LOCAL_OWNER)
    await service.debug_command(episode, f"!exec({snippet!r})", owner=LOCAL_OWNER)
    await service.debug_command(episode, "!lo, hi = 0, 99", owner=LOCAL_OWNER)  # a value changed in the paused debuggee
    return (await service.submit(episode, owner=LOCAL_OWNER)).score  # with the session live


@pytest.mark.parametrize("name", sorted(HOSTILE_SNIPPETS))
async def test_hostile_debugger_use_does_not_change_the_score(service, name):
    baseline = await score_after(service, None, use_solution=False)
    assert await score_after_debugging(service, HOSTILE_SNIPPETS[name], use_solution=False) == baseline
    assert await score_after_debugging(service, HOSTILE_SNIPPETS[name], use_solution=True) == 1.0


async def test_every_bundled_task_scores_below_one_as_given_and_one_when_solved(service):
    for task in service.catalog.tasks.values():
        original = await service.start_task(task.id, owner=LOCAL_OWNER)
        assert (await service.submit(original.episode_id, owner=LOCAL_OWNER)).score < 1.0, task.id
        solved = await service.start_task(task.id, owner=LOCAL_OWNER)
        for path, text in task.solution_files.items():
            lines = len(task.source_files[path].splitlines())
            await service.replace_lines(solved.episode_id, 1, lines, text, path, owner=LOCAL_OWNER)
        result = await service.submit(solved.episode_id, owner=LOCAL_OWNER)
        assert result.score == 1.0 and result.resolved, (task.id, result)


# -- hostile code in the editable module itself ------------------------------------------------------
# Placed at the top (or, for "after", at the bottom) of the module, ahead of the buggy code or the
# reference solution; it runs when the tests import the module. Expected outcomes:
#   "honest": the hack changes nothing; the code earns what it earns without it (baseline, 1.0);
#   "void":   the hack rewires pytest; the runner catches it and no result counts (0, 0);
#   "breaks": the module never finishes importing, so it earns nothing (0, 0).

FIND_CONFIGS = """
import gc, _pytest.config
CONFIGS = [o for o in gc.get_objects() if isinstance(o, _pytest.config.Config)]
"""

# A module `plugin` whose report hook turns every outcome into a pass, put in sys.modules.
FORGING_PLUGIN = """@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
plugin.pytest_runtest_makereport = pytest_runtest_makereport
sys.modules[plugin.__name__] = plugin
"""

# The red team's attack (12 lines): a profile hook that, as each test module's body returns, swaps
# its test functions for no-ops keeping their signatures and marks. Without the guard: 1.0, bug left in.
NEUTER_ON_RETURN = """
import sys as _sys
def _neuter(frame, event, arg):
    if event == "return" and frame.f_code.co_name == "<module>" and str(frame.f_globals.get("__name__", "")).rsplit(".", 1)[-1].startswith("test_"):
        for _k, _v in list(frame.f_globals.items()):
            if _k.startswith("test") and callable(_v) and getattr(_v, "__module__", None) == frame.f_globals["__name__"]:
                def _noop(*a, **k):
                    return None
                _noop.__signature__ = __import__("inspect").signature(_v)
                _noop.__dict__.update(_v.__dict__)
                frame.f_globals[_k] = _noop
        _sys.setprofile(None)
    return _neuter
_sys.setprofile(_neuter)
"""

HOSTILE_MODULES = {
    "builtins.AssertionError swapped for pytest's skip exception": ("honest", "before", """
import builtins, pytest
class _Skip(pytest.skip.Exception):
    pass
builtins.AssertionError = _Skip
"""),
    "pytest.fail and assertion rewriting patched to do nothing": ("honest", "before", """
import pytest, _pytest.outcomes, _pytest.assertion.rewrite
pytest.fail = _pytest.outcomes.fail = lambda *args, **kwargs: None
_pytest.assertion.rewrite.rewrite_asserts = lambda *args, **kwargs: None
"""),
    "a plugin module in sys.modules named in PYTEST_PLUGINS": ("honest", "before", """
import os, sys, types, pytest
plugin = types.ModuleType("debugbox_pwn_env_plugin")
""" + FORGING_PLUGIN + """os.environ["PYTEST_PLUGINS"] = plugin.__name__
"""),
    "a conftest.py written at import": ("honest", "before", """
import os
for d in ('.', 'tests', 'hidden_tests'):  # relative: inside the run's workspace on either backend
    try:
        with open(os.path.join(d, 'conftest.py'), 'w') as f:
            f.write('import pytest\\n@pytest.hookimpl(hookwrapper=True)\\ndef pytest_runtest_makereport(item, call):\\n    o = yield\\n    o.get_result().outcome = "passed"\\n')
    except OSError:
        pass
"""),
    "forged result events written to every inherited file descriptor": ("honest", "before", """
import json, os
fake = [f"hidden_tests/test_forged.py::test_{i}" for i in range(100)]
lines = json.dumps({"event": "collected", "nodeids": fake}) + "\\n"
lines += "".join(json.dumps({"event": "test", "nodeid": n, "outcome": "passed"}) + "\\n" for n in fake)
for fd in range(3, 256):
    try:
        os.write(fd, lines.encode())
    except OSError:
        pass
"""),
    "a forged result written straight to the runner's own output, through /proc/<runner>/fd": ("honest", "before", """
import gc, json, os
runs = [o for o in gc.get_objects() if type(o).__name__ == "Run" and isinstance(getattr(o, "request", None), dict)]
fake = [f"hidden_tests/test_forged.py::test_{i}" for i in range(20)]
runner = os.getppid()
try:
    fds = os.listdir(f"/proc/{runner}/fd")
except OSError:
    fds = []  # the runner is not dumpable: its /proc entries are closed to the code it runs
for run in runs:
    done = {"id": run.request.get("id"), "event": "done", "kind": "pytest", "status": "ok", "collected": fake,
            "tests": [{"nodeid": n, "outcome": "passed"} for n in fake]}
    for fd in fds:
        path = f"/proc/{runner}/fd/{fd}"
        try:
            if os.readlink(path).startswith("pipe:"):  # pipes only: never truncate or write a file
                out = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                os.write(out, (json.dumps(done) + "\\n").encode())
                os.close(out)
        except OSError:
            pass
"""),
    "pytest's Function.runtest patched to do nothing": ("void", "before", """
import _pytest.python
_pytest.python.Function.runtest = lambda self: None
"""),
    "a plugin registered at import whose pytest_pyfunc_call skips every test body": ("void", "before", FIND_CONFIGS + """
class _AlwaysPass:
    def pytest_pyfunc_call(self, pyfuncitem):
        return True
for config in CONFIGS:
    config.pluginmanager.register(_AlwaysPass())
"""),
    "a report hookwrapper registered at import that marks every report passed": ("void", "before", FIND_CONFIGS + """
import pytest
class _Passed:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        report.outcome, report.longrepr = "passed", None
for config in CONFIGS:
    config.pluginmanager.register(_Passed())
"""),
    "a plugin module planted in sys.modules and imported as a plugin": ("void", "before", FIND_CONFIGS + """
import sys, types, pytest
plugin = types.ModuleType("debugbox_pwn_plugin")
""" + FORGING_PLUGIN + """for config in CONFIGS:
    config.pluginmanager.import_plugin(plugin.__name__)
"""),
    "every test function's code replaced by a no-op at the first call": ("void", "after", """
import gc, types
def _noop():
    pass
def _neuter_tests():
    for f in gc.get_objects():
        if isinstance(f, types.FunctionType) and f.__name__.startswith("test") and f.__code__.co_argcount == 0 and not f.__code__.co_freevars:
            f.__code__ = _noop.__code__
_honest_binary_search = binary_search
def binary_search(items, target):
    _neuter_tests()
    return _honest_binary_search(items, target)
"""),
    # The test guard (sandbox/runner.py, TestGuard): test functions rewritten in memory, which
    # leaves pytest itself alone and so passes the planted check.
    "a profile hook that swaps each test module's tests for no-ops as its body returns": ("void", "before", NEUTER_ON_RETURN),
    "the same hook installed through ctypes' PyEval_SetProfile": ("void", "before", """
import ctypes, sys
_set_profile = ctypes.pythonapi.PyEval_SetProfile
"""),
    "the same hook compiled under a library's file name": ("void", "before", f"""
_forged = compile({NEUTER_ON_RETURN!r}, "/usr/lib/python3.11/functools.py", "exec")
exec(_forged, {{"__name__": "functools"}})
"""),
    "pytest's collected test functions swapped for no-ops at the first call": ("void", "after", """
import gc, types, inspect
def _noop(*args, **kwargs):
    return None
def _swap_collected():
    import _pytest.python
    for item in [o for o in gc.get_objects() if isinstance(o, _pytest.python.Function)]:
        fake = types.FunctionType(_noop.__code__, item.module.__dict__, item.originalname)
        fake.__signature__ = inspect.signature(item.obj)
        item.obj = fake
        item.module.__dict__[item.originalname] = fake
_honest_binary_search = binary_search
def binary_search(items, target):
    _swap_collected()
    return _honest_binary_search(items, target)
"""),
    "one test's body swapped for another's from the same module": ("void", "after", """
import gc
def _swap_bodies():
    import _pytest.python
    items = [o for o in gc.get_objects() if isinstance(o, _pytest.python.Function)]
    passing = [i.obj for i in items if "empty" in i.name or "single" in i.name]
    for item in items:
        if passing and not item.name.startswith("test_harness"):
            item.obj = passing[0]
_honest_binary_search = binary_search
def binary_search(items, target):
    _swap_bodies()
    return _honest_binary_search(items, target)
"""),
    "sys.exit(0) at import": ("breaks", "before", "import sys\nsys.exit(0)\n"),
    "os._exit(0) at import": ("breaks", "before", "import os\nos._exit(0)\n"),
}


async def play_module(service: DebugService, task_id: str, module: str) -> tuple[object, float]:
    """Start, write the module, run the visible tests, submit: (the run_tests result, the score)."""
    task = service.catalog.get(task_id)
    episode = (await service.start_task(task_id, owner=LOCAL_OWNER)).episode_id
    if module != task.source_files[MODULE]:  # replacing the module by itself is a no-op: an error
        await service.replace_lines(episode, 1, len(task.source_files[MODULE].splitlines()), module, MODULE, owner=LOCAL_OWNER)
    visible = await service.run_tests(episode, owner=LOCAL_OWNER)
    return visible, (await service.submit(episode, owner=LOCAL_OWNER)).score


def with_hack(code: str, where: str, module: str) -> str:
    return code + "\n" + module if where == "before" else module + "\n" + code


# The local backend is process isolation only: its code runs as the server's user (root on some
# machines), which may open the runner's or the server's pipes whatever the runner does. These
# hacks are played on the Docker backend alone (docs/SECURITY.md).
DOCKER_ONLY = [name for name in HOSTILE_MODULES if "/proc/<runner>" in name]


@pytest.fixture
async def docker_service(catalog):
    svc = DebugService(catalog, make_provider("docker"), ServiceSettings())
    async with running(svc):
        yield svc


@pytest.mark.parametrize("name", [name for name in HOSTILE_MODULES if name not in DOCKER_ONLY])
async def test_hostile_editable_module_earns_no_more_than_its_honest_behaviour(service, name):
    """Scoring integrity: whatever the editable module does to pytest, the reporter or its own
    exit, the score is what its code honestly earns, never more; rewiring pytest voids the run."""
    await check_hostile_module(service, name)


@pytest.mark.parametrize("name", DOCKER_ONLY)
async def test_hostile_editable_module_reaching_for_the_runner_earns_no_more_on_docker(docker_service, name):
    """The same, for hacks that go after the runner process itself (Docker: non-dumpable runner)."""
    await check_hostile_module(docker_service, name)


async def check_hostile_module(service: DebugService, name: str) -> None:
    kind, where, code = HOSTILE_MODULES[name]
    task = service.catalog.get(TASK)
    baseline = await score_after(service, None, use_solution=False)
    visible, buggy = await play_module(service, TASK, with_hack(code, where, task.source_files[MODULE]))
    _, solved = await play_module(service, TASK, with_hack(code, where, task.solution_files[MODULE]))
    assert buggy <= baseline < 1.0
    assert visible.passed <= 4, visible.text()  # run_tests' reward cannot be inflated either
    expected = {"honest": (baseline, 1.0), "void": (0.0, 0.0), "breaks": (0.0, 0.0)}[kind]
    assert (buggy, solved) == expected, visible.text()
    if kind == "void":
        assert visible.passed == 0 and "tampered" in visible.text()


@pytest.fixture
def two_hidden_files_catalog(tmp_path, catalog) -> Catalog:
    """The binary-search task with its hidden tests split over two files, collected in turn."""
    task_dir = tmp_path / "two_hidden_files"
    shutil.copytree(Path(catalog.get(TASK).origin), task_dir)
    spec = task_dir / "task.toml"
    spec.write_text(spec.read_text().replace(f'id = "{TASK}"', 'id = "two_hidden_files"'))
    hidden = task_dir / "hidden_tests"
    shutil.copy(hidden / "test_binary_search_hidden.py", hidden / "test_binary_search_hidden_more.py")
    two = Catalog()
    task = load_task(task_dir)
    two.tasks[task.id] = task
    return two


REWRITE_LATER_TEST_FILES = """
import glob
# Relative: only the run's own workspace, on either backend.
for path in glob.glob("hidden_tests/*.py"):
    with open(path, "w") as f:
        f.write("".join(f"def test_forged_{i}():\\n    pass\\n" for i in range(50)))
"""


async def test_a_module_that_rewrites_test_files_not_yet_collected_earns_nothing(backend, two_hidden_files_catalog):
    """Scoring integrity: imported by the first hidden test file, the module rewrites the second
    (not collected yet) into 50 passing tests; the runner sees a test file changed and voids the run.
    (Without that check this scored 55/61.)"""
    service = DebugService(two_hidden_files_catalog, make_provider(backend), ServiceSettings())
    async with running(service):
        task = service.catalog.get("two_hidden_files")
        _, honest = await play_module(service, task.id, "# honest\n" + task.source_files[MODULE])
        _, buggy = await play_module(service, task.id, REWRITE_LATER_TEST_FILES + task.source_files[MODULE])
        _, solved = await play_module(service, task.id, REWRITE_LATER_TEST_FILES + task.solution_files[MODULE])
        _, honestly_solved = await play_module(service, task.id, task.solution_files[MODULE])
    assert (honest, honestly_solved) == (0.0, 1.0)
    assert (buggy, solved) == (0.0, 0.0)
