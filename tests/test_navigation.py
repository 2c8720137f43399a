"""list_files and search_code (issue 18, point 3): roles and sizes, globs, literal and regex search,
caps and counts, a backtracking regex answered in time, hidden tests invisible to every reading
tool, and bad input that costs nothing. Through a real mcp.Client on the local backend; one test
runs on both backends (the `server` fixture)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from mcp import Client

from environment import navigation as nav
from environment.errors import BadArgument
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.local import LocalProvider
from tasks.loader import load_catalog
from tests.test_agent_experience import steps_and_rewards
from tests.test_mcp_tools import fails, ok, text_of
from tests.test_tasks_loader import write_task

pytestmark = pytest.mark.anyio

SMALL = "binary_search_off_by_one"
HIDDEN_ONLY = "class CountingList(list):"  # a line of its hidden test, in no readable file
PROJECT = "big_project"
MODULES = 500
BACKTRACKING = "a" * 40 + "!"  # (a|aa)+$ backtracks exponentially on this line


def write_project(pack: Path) -> None:
    """A task with MODULES read-only modules in packages beside its editable calc.py."""
    root = write_task(pack, PROJECT)
    for i in range(MODULES):
        module = root / "src" / "proj" / f"pkg{i % 10}" / f"mod{i}.py"
        module.parent.mkdir(parents=True, exist_ok=True)
        body = [f'"""Module {i}."""', "", f"def helper_{i}(value):", f"    return value + {i}", ""]
        if i == 7:
            body += [f"LONG = '{'x' * 1000}needle{'y' * 1000}'", f"TEXT = '{BACKTRACKING}'"]
        module.write_text("\n".join(body) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def project_catalog(tmp_path_factory):
    pack = tmp_path_factory.mktemp("pack")
    write_project(pack)
    catalog = load_catalog([str(pack)], include_bundled=True, environ={})
    assert not catalog.errors, catalog.errors
    return catalog


@pytest.fixture
async def client(project_catalog) -> AsyncIterator[Client]:
    service = DebugService(project_catalog, LocalProvider(), ServiceSettings())
    async with running(service), Client(build_server(service)) as c:
        yield c


async def start(client: Client, task: str) -> str:
    return (await ok(client, "start_task", task_id=task))["episode_id"]


# -- pure: globs and the search engine --------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "selected"),
    [
        ("*.py", {"a.py", "src/b.py", "src/pkg/c.py", "tests/test_d.py"}),
        ("test_*", {"tests/test_d.py"}),
        ("src/*.py", {"src/b.py"}),
        ("src/**/*.py", {"src/b.py", "src/pkg/c.py"}),
        ("**/c.py", {"src/pkg/c.py"}),
        ("src/pkg", {"src/pkg/c.py", "src/pkg/data.txt"}),
        ("src/pkg/", {"src/pkg/c.py", "src/pkg/data.txt"}),
        ("tests", {"tests/test_d.py"}),
        ("[ab].py", {"a.py", "src/b.py"}),
        ("[!a].py", {"src/b.py", "src/pkg/c.py"}),
        ("*.txt", {"src/pkg/data.txt"}),
    ],
)
def test_globs_select_names_paths_and_directories(glob, selected):
    paths = ["a.py", "src/b.py", "src/pkg/c.py", "src/pkg/data.txt", "tests/test_d.py"]
    assert set(nav.select(paths, glob, nav.glob_matcher(glob))) == selected


@pytest.mark.parametrize(
    ("glob", "needle"),
    [("", "empty"), ("  ", "empty"), ("/etc/*", "absolute"), ("x[ab", "without its ']'"), ("*" * 400, "at most"), ("[z-a].py", "bad \\[...\\] class")],
)
def test_bad_globs_are_errors(glob, needle):
    with pytest.raises(BadArgument, match=needle):
        nav.glob_matcher(glob)


BACKTRACKING_GLOBS = ["**/" * 99 + "x", "*?" * 12 + "X", "**?" * 99 + "X", "?**" * 99, "*a" * 140 + "X", "**" * 150]


@pytest.mark.parametrize("glob", BACKTRACKING_GLOBS)
def test_globs_that_would_backtrack_are_matched_at_once(glob):
    """Written as they read, '**/**/...' and '*?*?...' backtracked for minutes on one path that did
    not match (30 s for '*?' * 12 on a 34-character name), with the GIL held."""
    paths = ["django/contrib/admin/templatetags/admin_list.py", "test_subscriptions_and_invoices.py", "/".join(["a"] * 40) + "/aa.py"]
    started = time.monotonic()
    matches = nav.glob_matcher(glob)
    found = [p for p in paths if matches(p)]
    assert time.monotonic() - started < 0.5
    assert found == (paths if glob == "**" * 150 else [])


def _reference_match(glob: str, path: str, segment_start: bool = True) -> bool:
    """The glob grammar read literally, by recursion (slow, obviously right): the oracle for the regex.
    '**/' at a segment's start is any run of whole directories; other '**' any text; '*' any text
    within a segment; '?' one character of a segment."""
    if not glob:
        return not path
    rest = range(len(path) + 1)
    if glob.startswith("**/") and segment_start:
        return any(_reference_match(glob[3:], path[i:]) for i in rest if i == 0 or path[i - 1] == "/")
    if glob.startswith("**"):
        return any(_reference_match(glob[2:], path[i:], False) for i in rest)
    if glob[0] == "*":
        return any(_reference_match(glob[1:], path[i:], False) for i in rest if "/" not in path[:i])
    if glob[0] == "?":
        return bool(path) and path[0] != "/" and _reference_match(glob[1:], path[1:], False)
    return bool(path) and path[0] == glob[0] and _reference_match(glob[1:], path[1:], glob[0] == "/")


def test_the_glob_regex_is_the_grammar():
    """tasks/globs.py collapses runs of wildcards; the language stays the one the grammar reads
    (random globs of up to six pieces against every path of up to six characters over 'ab/')."""
    import itertools
    import random
    import re

    from tasks import globs

    rnd = random.Random(7)
    paths = ["".join(p) for n in range(7) for p in itertools.product("ab/", repeat=n)]
    for _ in range(1500):
        glob = "".join(rnd.choice(["a", "/", "*", "?", "**/", "**"]) for _ in range(rnd.randint(1, 6)))
        compiled = re.compile(globs.translate(glob))
        for path in paths:
            assert bool(compiled.fullmatch(path)) == _reference_match(glob, path), (glob, path, globs.translate(glob))


def test_search_counts_every_match_shows_at_most_max_results_and_cuts_long_lines():
    files = {f"m{i}.py": "x = 1\ny = 2\nx = 3\n" for i in range(10)} | {"long.py": "z" * 5000 + " x = 9 " + "z" * 5000}
    paths = sorted(files)
    found = nav.search(files, paths, nav.finder("x =", False), "x =", False, None, max_results=5)
    assert found.total_matches == 21 and found.files_matched == 11 and found.complete
    assert found.matches[:2] == ["long.py:1|..." + "z" * 49 + " x = 9 " + "z" * 144 + "... [line of 10007 chars]", "m0.py:1|x = 1"]
    assert found.matches[2:] == ["m0.py:3|x = 3", "m1.py:1|x = 1", "m1.py:3|x = 3"]
    # Each matching line once, however many matches it holds; ^ and $ at line ends.
    regex = nav.search(files, paths, nav.finder(r"^[xy] = \d$", True), "", True, None, max_results=500)
    assert regex.total_matches == 30 and regex.files_matched == 10


def test_empty_matches_find_each_line_once_and_no_line_past_the_last_newline():
    files = {"a.py": "x\ny\n", "b.py": "x\ny", "empty.py": ""}
    for pattern in ("^", "$", r"\Z", "y*"):
        found = nav.search(files, sorted(files), nav.finder(pattern, True), pattern, True, None, 50)
        lines = [m.split("|")[0] for m in found.matches]
        expected = {"^": ["a.py:1", "a.py:2", "b.py:1", "b.py:2"], "$": ["a.py:1", "a.py:2", "b.py:1", "b.py:2"], r"\Z": ["b.py:2"], "y*": ["a.py:1", "a.py:2", "b.py:1", "b.py:2"]}
        assert lines == expected[pattern], pattern


def test_a_backtracking_regex_stops_at_the_time_budget_and_says_so():
    files = {"a.py": "ok = 1\n", "b.py": f"s = '{BACKTRACKING}'\n", "c.py": "ok = 2\n"}
    started = time.monotonic()
    found = nav.search(files, sorted(files), nav.finder("(a|aa)+$", True), "(a|aa)+$", True, None, 50, budget_s=0.3)
    assert time.monotonic() - started < 2
    assert not found.complete and found.files_searched == 3


@pytest.mark.parametrize(
    ("pattern", "is_regex", "needle"),
    [
        ("", False, "empty"),
        ("x" * (nav.MAX_PATTERN_CHARS + 1), False, "at most"),
        ("a\nb", False, "one line"),
        ("(", True, "not a valid Python regex"),
        ("(?:(?:a{1000}){1000}){1000}", True, "too large"),
    ],
)
def test_bad_patterns_are_errors(pattern, is_regex, needle):
    with pytest.raises(BadArgument, match=needle):
        nav.finder(pattern, is_regex)


# -- through MCP -------------------------------------------------------------------------------


async def test_start_task_names_the_editable_files_first_and_points_to_list_files(client):
    started = await client.call_tool("start_task", {"task_id": PROJECT})
    assert len(started.structured_content["files"]) == MODULES + 3
    text = text_of(started)
    assert "Files:\n- calc.py (editable, " in text and f"... and {MODULES + 3 - 40} more: list_files lists them" in text
    assert "Tools: list_files, search_code, view_code," in text


async def test_list_files_gives_roles_and_sizes_and_filters_by_glob(client):
    episode = await start(client, PROJECT)
    listed = await ok(client, "list_files", episode_id=episode)
    by_path = {f["path"]: f for f in listed["files"]}
    assert listed["total_files"] == MODULES + 3 == len(by_path)
    assert by_path["calc.py"]["role"] == "editable"
    assert by_path["helpers.py"]["role"] == "readonly"
    assert by_path["tests/test_calc.py"]["role"] == "test"
    module = by_path["proj/pkg3/mod13.py"]
    assert module["role"] == "readonly" and module["lines"] == 5 and module["bytes"] == len('"""Module 13."""\n\ndef helper_13(value):\n    return value + 13\n\n')
    assert listed["total_bytes"] == sum(f["bytes"] for f in listed["files"])
    tests_only = await client.call_tool("list_files", {"episode_id": episode, "glob": "tests/**"})
    assert text_of(tests_only).startswith("1 file matching 'tests/**'")
    assert "- tests/test_calc.py (test, " in text_of(tests_only)
    package = await ok(client, "list_files", episode_id=episode, glob="proj/pkg3")
    assert package["total_files"] == MODULES // 10 and all(f["path"].startswith("proj/pkg3/") for f in package["files"])
    assert (await steps_and_rewards(client, episode))[0] == 3


async def test_search_code_literal_regex_glob_caps_and_counts(client):
    episode = await start(client, PROJECT)
    literal = await client.call_tool("search_code", {"episode_id": episode, "pattern": "return value + 1", "max_results": 3})
    found = literal.structured_content
    # 'return value + 1' is a prefix of + 1, + 10..19, + 100..199: 111 lines in 111 files, 3 shown.
    assert found["total_matches"] == 111 and found["files_matched"] == 111 and len(found["matches"]) == 3
    assert found["matches"][0] == "proj/pkg0/mod10.py:4|    return value + 10"
    assert "[3 of 111 shown (max_results=3)" in text_of(literal)
    exact = await ok(client, "search_code", episode_id=episode, pattern=r"return value \+ 1$", regex=True)
    assert exact["matches"] == ["proj/pkg1/mod1.py:4|    return value + 1"]
    # The same text as a literal finds nothing: '\' and '$' are characters there. No match is an answer.
    none = await client.call_tool("search_code", {"episode_id": episode, "pattern": r"value \+ 1$"})
    assert not none.is_error and "No line matches text" in text_of(none) and none.structured_content["total_matches"] == 0
    scoped = await ok(client, "search_code", episode_id=episode, pattern="def helper_", glob="proj/pkg2/**", max_results=500)
    assert scoped["total_matches"] == scoped["files_searched"] == MODULES // 10
    long_line = await ok(client, "search_code", episode_id=episode, pattern="needle")
    (row,) = long_line["matches"]
    assert row.startswith("proj/pkg7/mod7.py:6|...") and "needle" in row and len(row) < 300
    everything = await ok(client, "search_code", episode_id=episode, pattern="e", max_results=500)
    assert len(everything["matches"]) == 500 and everything["total_matches"] > 1000 and everything["complete"]
    assert (await steps_and_rewards(client, episode))[0] == 6  # a search with no match is an answer: a step


async def test_a_backtracking_regex_is_answered_promptly_with_a_note(client):
    episode = await start(client, PROJECT)
    started = time.monotonic()
    result = await client.call_tool("search_code", {"episode_id": episode, "pattern": "(a|aa)+$", "regex": True})
    assert time.monotonic() - started < nav.SEARCH_BUDGET_S + 3
    assert not result.is_error and result.structured_content["complete"] is False
    assert "The search stopped early" in text_of(result) and "lower bounds" in text_of(result)


async def test_a_backtracking_regex_does_not_hold_up_another_episode(project_catalog):
    service = DebugService(project_catalog, LocalProvider(), ServiceSettings())
    server = build_server(service)
    async with running(service), Client(server) as hostile, Client(server) as other:
        bad, good = await start(hostile, PROJECT), await start(other, SMALL)
        took: list[float] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(hostile.call_tool, "search_code", {"episode_id": bad, "pattern": "(a|aa)+$", "regex": True, "glob": "mod7.py"})  # small: inline unless a regex
            started = time.monotonic()
            await anyio.sleep(0.2)  # the search is backtracking now, for its whole time budget
            await ok(other, "view_code", episode_id=good)
            took.append(time.monotonic() - started)
        assert took[0] < 0.2 + nav.SEARCH_BUDGET_S / 2, f"another episode's view_code (after a 0.2 s sleep) took {took[0]:.2f} s"


async def test_bad_input_is_an_error_that_costs_no_step(client):
    episode = await start(client, PROJECT)
    before = await steps_and_rewards(client, episode)
    await fails(client, "search_code", "empty", "no step", episode_id=episode, pattern="")
    await fails(client, "search_code", "not a valid Python regex", "regex=false", episode_id=episode, pattern="[unclosed", regex=True)
    await fails(client, "search_code", "at most", episode_id=episode, pattern="x" * 100_000)
    await fails(client, "search_code", "max_results", episode_id=episode, pattern="x", max_results=0)
    await fails(client, "search_code", "max_results", episode_id=episode, pattern="x", max_results=nav.MAX_RESULTS + 1)
    await fails(client, "search_code", "no readable file matches", "list_files", episode_id=episode, pattern="x", glob="nowhere/**")
    await fails(client, "list_files", "without its ']'", episode_id=episode, glob="proj/[pkg")
    await fails(client, "list_files", "absolute", episode_id=episode, glob="/etc/passwd")
    await fails(client, "list_files", "no readable file matches", episode_id=episode, glob="*.rs")
    started = time.monotonic()  # 500 paths three directories deep: minutes of backtracking before
    await fails(client, "list_files", "no readable file matches", episode_id=episode, glob="**/" * 99 + "x")
    await fails(client, "search_code", "no readable file matches", episode_id=episode, pattern="x", glob="**/" * 99 + "x")
    await fails(client, "search_code", "bad [...] class", episode_id=episode, pattern="x", glob="[z-a]")
    assert time.monotonic() - started < 5
    await fails(client, "search_code", "no episode", episode_id="ep_nope", pattern="x")
    assert await steps_and_rewards(client, episode) == before
    # view_code in a large project names the nearest files, not all 500.
    message = await fails(client, "view_code", "no file", "list_files", episode_id=episode, path="proj/pkg3/mod13.pyx")
    assert "proj/pkg3/mod13.py" in message and len(message) < 1000


async def test_hidden_tests_and_the_solution_stay_invisible(server):
    """On both backends: no listing, search or view shows a hidden test or the reference solution."""
    async with Client(server) as client:
        episode = await start(client, SMALL)
        listed = await ok(client, "list_files", episode_id=episode)
        paths = {f["path"] for f in listed["files"]}
        assert paths == {"binary_search.py", "tests/test_binary_search.py"}
        assert not any(p.startswith(("hidden_tests/", "solution/")) for p in paths)
        hidden = await ok(client, "search_code", episode_id=episode, pattern=HIDDEN_ONLY)
        assert hidden["total_matches"] == 0 and hidden["files_searched"] == 2
        anything = await ok(client, "search_code", episode_id=episode, pattern=".", regex=True, max_results=500)
        assert {m.split(":", 1)[0] for m in anything["matches"]} == paths and anything["complete"]
        await fails(client, "search_code", "no readable file matches", episode_id=episode, pattern="def", glob="hidden_tests/*")
        await fails(client, "list_files", "no readable file matches", episode_id=episode, glob="solution/**")
        await fails(client, "view_code", "no file", episode_id=episode, path="solution/binary_search.py")
        # Edits are searched as they are now.
        await ok(client, "replace_text", episode_id=episode, path="binary_search.py", old_text="while lo < hi:", new_text="while lo <= hi:")
        now = await ok(client, "search_code", episode_id=episode, pattern="while lo <= hi:")
        assert now["matches"] == ["binary_search.py:14|    while lo <= hi:"]


def test_the_catalog_fixture_project_has_its_modules(project_catalog):
    assert len(project_catalog.get(PROJECT).source_files) == MODULES + 2
