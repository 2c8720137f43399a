"""What a model reads from run_tests and run_python (issue 17, "text a model reads"): each fact
once, tracebacks through the episode's own files only, assertion diffs in full, a failing test's
own output with it. Real service, real runner, on the local backend and in Docker."""

from __future__ import annotations

import pytest

from environment import runs
from environment.errors import BadArgument
from environment.runtime import running
from environment.selection import Selection
from environment.service import DebugService
from environment.settings import ServiceSettings
from tasks.loader import Catalog
from tasks.model import Task, TaskSpec
from tests.conftest import make_provider

pytestmark = pytest.mark.anyio

SOURCE = '''import time


def add(a, b):
    return helper(a) + b


def helper(a):
    if a == 99:
        raise ValueError("bad a")
    return a


def spin():
    while True:
        time.sleep(0.01)
'''
TESTS = '''import pytest

from mod import add, spin


def test_ok():
    print("printed by a passing test")
    assert add(1, 2) == 3


def test_fail_deep():
    print("printed by a failing test")
    assert add(99, 1) == 100


def test_long_list():
    assert list(range(40)) == [*range(20), -1, *range(21, 40)]


@pytest.mark.parametrize("x,y", [(1, 2), ("three", object())])
def test_param(x, y):
    assert add(x if isinstance(x, int) else 3, 1) == 2


def test_hangs():
    spin()
'''
HIDDEN = "from mod import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n"


def make_task() -> Task:
    spec = TaskSpec(id="text_task", title="text", difficulty="easy", main_file="mod.py", editable=("mod.py",), max_steps=20, test_timeout_s=1.0)
    return Task(
        spec=spec,
        description="-",
        source_files={"mod.py": SOURCE},
        test_files={"tests/test_mod.py": TESTS},
        hidden_test_files={"hidden_tests/test_hidden.py": HIDDEN},
        solution_files={"mod.py": SOURCE},
    )


@pytest.fixture
async def service(backend):
    svc = DebugService(Catalog(tasks={"text_task": make_task()}), make_provider(backend), ServiceSettings())
    async with running(svc):
        yield svc


async def start(service) -> str:
    return (await service.start_task("text_task", owner="local")).episode_id


async def test_run_tests_tells_each_fact_once_through_the_episodes_own_files(service):
    episode = await start(service)
    result = await service.run_tests(episode, owner="local")
    text = result.text()
    assert result.failed == 3 and result.timed_out == 1, text
    # No raw terminal report after the failures: each error line once.
    assert text.count("E   ValueError: bad a") == 1, text
    assert "short test summary" not in text and "=====" not in text, text
    # A failing test's own output is with it; a passing one's only in verbose runs.
    assert text.count("printed by a failing test") == 1, text
    assert "printed by a passing test" not in text
    fail_deep = next(f for f in result.failures if f.test.endswith("test_fail_deep"))
    assert "printed by a failing test" in (fail_deep.captured or "")
    # A timed-out test shows where it was, in the episode's files, and nothing of the runner.
    hangs = next(f for f in result.failures if f.test.endswith("test_hangs"))
    assert "mod.py:16: in spin" in hangs.details and "time limit" in hangs.details, hangs.details
    assert "runner.py" not in text and "on_alarm" not in text and "_pytest" not in text, text


async def test_assertion_diffs_are_shown_in_full(service):
    episode = await start(service)
    result = await service.run_tests(episode, owner="local")
    long_list = next(f for f in result.failures if f.test.endswith("test_long_list"))
    assert "-v" not in long_list.details, long_list.details  # no "Use -v to get more diff": the agent can't
    assert "Full diff" in long_list.details and "-1" in long_list.details, long_list.details


async def test_a_parametrized_failure_shows_its_parameters(service):
    episode = await start(service)
    result = await service.run_tests(episode, owner="local")
    failed = next(f for f in result.failures if f.test.startswith("tests/test_mod.py::test_param["))
    assert failed.params is not None and failed.params["x"] == "'three'" and failed.params["y"].startswith("<object object at"), failed
    assert f"{failed.test} with x='three', y=<object object at" in result.text()


async def test_a_timed_out_snippet_says_its_limit_and_where_it_was(service):
    episode = await start(service)
    code = "import json\nfrom mod import spin\n\nprint('started')\nspin()\n"
    result = await service.run_python(episode, code, 1.0, owner="local")
    text = result.text()
    assert result.timed_out and "1 s time limit" in text, text
    # The stuck frame, in the episode's file, reached from the snippet's line (shown as written).
    assert 'File "<snippet>", line 5, in <module>\n    spin()' in result.traceback, result.traceback
    assert 'File "mod.py", line 16, in spin' in result.traceback, result.traceback
    assert result.location == "mod.py:16" and "time.sleep(0.01)" in result.context
    assert "runner.py" not in text and "started" in result.stdout


async def test_a_snippet_that_ignores_the_interrupt_is_still_stopped_at_its_limit(service):
    episode = await start(service)
    code = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"
    result = await service.run_python(episode, code, 1.0, owner="local")
    assert result.timed_out and result.traceback is None
    assert "killed at its 1 s time limit" in result.text()


# -- choosing tests (run_tests' `tests`) and verbose runs --------------------------------------


def episode_of(service, episode: str):
    return service.episode(episode, owner="local")


async def test_a_selection_runs_only_those_tests_and_earns_nothing(service):
    episode = await start(service)
    chosen = await service.run_tests(episode, owner="local", tests=["tests/test_mod.py::test_ok", "tests/test_mod.py::test_param[1-2]"])
    assert (chosen.passed, chosen.total, chosen.reward) == (2, 2, 0.0), chosen.text()
    assert chosen.selection == ["tests/test_mod.py::test_ok", "tests/test_mod.py::test_param[1-2]"]
    assert "selected:" in chosen.text()
    # A selection that passes in full does not move the potential a full run is paid against.
    assert episode_of(service, episode).potential == 0.0
    full = await service.run_tests(episode, owner="local")
    assert full.total == 6 and full.passed == 2 and full.reward == 0  # the original's own rate: nothing earned


@pytest.mark.parametrize("tests", [["-k fail_deep or long_list"], ["-k", "fail_deep or long_list"], ["tests/test_mod.py", "-k (fail_deep) or long_list"]])
async def test_a_keyword_expression_selects_by_name(service, tests):
    episode = await start(service)
    result = await service.run_tests(episode, owner="local", tests=tests)
    assert sorted(f.test for f in result.failures) == ["tests/test_mod.py::test_fail_deep", "tests/test_mod.py::test_long_list"], result.text()
    assert result.total == 2 and result.reward == 0.0


@pytest.mark.parametrize(
    ("tests", "words"),
    [
        (["--collect-only"], "option"),
        (["-p", "no:cacheprovider"], "option"),
        (["hidden_tests/test_hidden.py"], "not a visible test file"),
        (["tests/test_mod.py::test_ok\n-x"], "line break"),
        (["tests/test_mod.py\x00"], "NUL"),
        (["tests/" + "a" * 600], "at most 500"),
        (["tests/test_mod.py"] * 101, "at most 100"),
        (["-k a", "-k b"], "only one -k"),
        (["-k ok) or (x"], "not one pytest can read"),
        # pytest's usage errors: each ended the run before any test ("NOT RUN ... cut off") and cost a step.
        (["-k not"], "expected a name at the end"),
        (["-k", "test_ok test_fail"], "follows a complete expression"),
        (["-k ()"], "not one pytest can read"),
        (["-k test_ok(x=1)"], "not part of a -k expression"),
        (["-k"], "empty"),
        (["tests/test_mod.py::test_nope"], "no visible test matches"),
        (["-k", "no_such_name"], "no visible test matches"),
    ],
)
async def test_a_bad_selection_is_a_tool_error_that_costs_nothing(service, tests, words):
    episode = await start(service)
    with pytest.raises(BadArgument) as raised:
        await service.run_tests(episode, owner="local", tests=tests)
    assert words.lower() in str(raised.value).lower(), str(raised.value)
    if "visible test" in words:
        assert "tests/test_mod.py" in str(raised.value)  # says which files there are
    assert episode_of(service, episode).step == 0


async def test_verbose_lists_each_passing_test_with_duration_and_output(service):
    episode = await start(service)
    compact = await service.run_tests(episode, owner="local", tests=["tests/test_mod.py::test_ok"])
    assert "printed by a passing test" not in compact.text() and compact.passing_details == []
    verbose = await service.run_tests(episode, owner="local", tests=["tests/test_mod.py::test_ok"], verbose=True)
    [passed] = verbose.passing_details
    assert passed.test == "tests/test_mod.py::test_ok" and passed.duration_s is not None
    assert "printed by a passing test" in (passed.captured or "")
    assert f"PASSED tests/test_mod.py::test_ok ({passed.duration_s:.2f} s)\nCaptured stdout call:\nprinted by a passing test" in verbose.text()


async def test_a_scoring_request_takes_no_selection(service):
    ep = episode_of(service, await start(service))
    with pytest.raises(ValueError, match="no selection"):
        runs.pytest_request(ep, service.settings, scoring=True, selection=Selection(targets=["tests/test_mod.py"]))
    assert runs.pytest_request(ep, service.settings, scoring=True).targets == ["hidden_tests/test_hidden.py"]
