"""Issue 15, parts 2 and 5, through the real server: one episode's edits cannot stall another's calls,
what one episode (and one token, and the server) may hold is bounded, and over a limit a call is a
clear error that changes nothing and costs nothing.

The local backend serves these: edits, undo and reset never touch a sandbox (the memory tests' submit
does, and any backend would do).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc

import anyio
import pytest

from environment.step_log import MAX_LOG_BYTES
from mcp import Client

from cli.main import build_parser
from cli.settings import ConfigError, service_settings
from environment.errors import CapacityReached, UnknownEpisode
from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.local import LocalProvider
from tests.helpers import text_of

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
TASK = "binary_search_off_by_one"
MAIN = "binary_search.py"
CALL_TIMEOUT_S = 120


async def call(client: Client, tool: str, **args):
    with anyio.fail_after(CALL_TIMEOUT_S):
        return await client.call_tool(tool, args)


async def ok(client: Client, tool: str, **args) -> dict:
    result = await call(client, tool, **args)
    assert not result.is_error, f"{tool} failed: {text_of(result)[:500]}"
    return result.structured_content


async def refused(client: Client, tool: str, *needles: str, **args) -> str:
    result = await call(client, tool, **args)
    message = text_of(result)
    assert result.is_error, f"{tool} should have been refused: {message[:300]}"
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    return message


async def state(client: Client, episode: str) -> dict:
    return json.loads((await client.read_resource(f"episodes://{episode}")).contents[0].text)


# -- no episode can stall another -------------------------------------------------------------


def numbered_block(first: int, count: int) -> list[str]:
    """Valid Python lines of 23 characters, each different: 20,000 of them come near 500,000 characters."""
    return [f"v_{n:05x} = 0x{n:07x} # p" for n in range(first, first + count)]


def interleave(lines: list[str]) -> list[str]:
    """Every other line moved: difflib's quadratic case (8,000 lines took ~5 s, 20,000 ~30 s)."""
    return lines[1::2] + lines[0::2]


async def test_a_neighbours_view_code_keeps_its_latency_while_another_episode_makes_the_largest_edits(catalog):
    """Invariant 7 for the server itself: while one episode fills a file to the line and character
    limits, replaces it interleaved, undoes, resets and undoes again (on the old code each such
    call ran difflib and ast.parse on the event loop, up to tens of seconds), a neighbour's view_code
    stays within max(5 x its idle median, idle median + 100 ms), every single call."""
    settings = ServiceSettings(max_steps_limit=10_000)  # the default file limits; steps enough for the neighbour
    limits = settings.episode_limits()
    service = DebugService(catalog, LocalProvider(), settings)
    async with running(service):
        server = build_server(service)
        async with Client(server) as attacker, Client(server) as neighbour:
            attack_ep = (await ok(attacker, "start_task", task_id=TASK, max_steps=100))["episode_id"]
            start = await ok(neighbour, "start_task", task_id=TASK, max_steps=10_000)
            near = start["episode_id"]

            async def view() -> float:
                started = time.perf_counter()
                await ok(neighbour, "view_code", episode_id=near)
                return time.perf_counter() - started

            gc.collect()
            gc.freeze()  # as `debugbox serve` does once started: collections skip the long-lived heap
            for _ in range(5):
                await view()
            idle = statistics.median([await view() for _ in range(30)])
            bound = max(5 * idle, idle + 0.100)

            original = len(catalog.get(TASK).source_files[MAIN].splitlines())
            per_call = 8_000  # 24-character lines: within new_code's 200,000 characters
            third = limits.max_file_lines - original - 2 * per_call
            plan = [
                ("replace_lines", {"start_line": 1, "end_line": 0, "new_code": "\n".join(numbered_block(0, per_call))}),
                ("replace_lines", {"start_line": 1, "end_line": 0, "new_code": "\n".join(numbered_block(per_call, per_call))}),
                ("replace_lines", {"start_line": 1, "end_line": 0, "new_code": "\n".join(numbered_block(2 * per_call, third))}),
                ("replace_lines", {"start_line": third + 1, "end_line": third + per_call, "new_code": "\n".join(interleave(numbered_block(per_call, per_call)))}),
                ("undo", {}),
                ("reset_code", {}),
                ("undo", {}),
                ("replace_lines", {"start_line": 1, "end_line": limits.max_file_lines, "new_code": "\n".join(interleave([f"_{n:x}" for n in range(limits.max_file_lines)]))}),
                ("undo", {}),
            ]
            latencies: list[float] = []
            answers: list[tuple[str, float, dict]] = []
            attack_done = anyio.Event()

            async def attack() -> None:
                try:
                    for tool, args in plan:
                        started = time.perf_counter()
                        answers.append((tool, time.perf_counter() - started, await ok(attacker, tool, episode_id=attack_ep, **args)))
                        answers[-1] = (tool, time.perf_counter() - started, answers[-1][2])
                finally:
                    attack_done.set()

            async def watch() -> None:
                for _ in range(9_000):  # within the neighbour's 10,000 steps
                    if attack_done.is_set():
                        return
                    latencies.append(await view())  # back to back: a stall always meets a call in flight

            try:
                async with anyio.create_task_group() as group:
                    group.start_soon(watch)
                    group.start_soon(attack)
            finally:
                gc.unfreeze()

            files = service.episode(attack_ep, owner=LOCAL_OWNER).files  # the resource shows no code mid-episode

    assert latencies, "no view during the attack"
    worst = max(latencies)
    timings = ", ".join(f"{tool} {seconds:.2f} s" for tool, seconds, _ in answers)
    assert worst <= bound, (
        f"a neighbour's view_code took {worst * 1000:.0f} ms (idle median {idle * 1000:.1f} ms, bound {bound * 1000:.0f} ms; "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms over {len(latencies)} calls) while the attacker's calls took: {timings}"
    )
    assert len(latencies) >= 20, f"only {len(latencies)} views during the attack"
    assert [tool for tool, _, _ in answers] == [tool for tool, _ in plan]
    full = answers[2][2]
    assert full["lines_total"] == limits.max_file_lines and full["syntax_ok"], full["syntax_unchecked"]
    assert len(files[MAIN]) > 450_000  # near the character limit too
    biggest = answers[7][2]["diff"]
    assert "too large to compare line by line" in biggest and "more lines" in biggest and len(biggest) < 25_000


# -- over a limit: a clear error, nothing changed, nothing charged -----------------------------

SMALL = ServiceSettings(max_file_lines=200, max_file_chars=5_000, max_workspace_chars=6_000, max_steps_limit=50)


@pytest.fixture
async def small_server(catalog):
    service = DebugService(catalog, LocalProvider(), SMALL)
    async with running(service):
        yield service, build_server(service)


async def test_over_the_limits_edits_and_budgets_are_clear_errors_that_change_and_cost_nothing(small_server):
    service, server = small_server
    async with Client(server) as client:
        await refused(client, "start_task", "max_steps must be between 1 and 50", "--max-steps-limit", "got 51", task_id=TASK, max_steps=51)
        assert service.status()["episodes_live"] == 0
        default = await ok(client, "start_task", task_id=TASK)
        assert default["max_steps"] == 30  # the task's own budget, within the bound
        episode = (await ok(client, "start_task", task_id=TASK, max_steps=50))["episode_id"]
        await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code="# within the limits")
        before = await state(client, episode)
        await refused(
            client, "replace_lines", "limit is 200 lines per file (--max-file-lines)", "Nothing was changed and no step was counted",
            episode_id=episode, start_line=1, end_line=0, new_code="\n".join(f"x{n} = {n}" for n in range(200)),
        )  # fmt: skip
        await refused(
            client, "replace_lines", "limit is 5000 characters per file (--max-file-chars)", "Nothing was changed",
            episode_id=episode, start_line=1, end_line=0, new_code="# " + "x" * 5_000,
        )  # fmt: skip
        assert await state(client, episode) == before  # files, step, history, rewards
        after = await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=1, new_code="# still editable")
        assert after["step"] == before["step"] + 1


# -- memory ------------------------------------------------------------------------------------

BIG_LINE = "1st = 'not Python: the syntax check stops at line 1, so 300 edits stay quick'"


async def test_300_edits_of_a_350_kb_file_keep_the_server_small_and_a_submit_drops_the_history(catalog):
    """Part 5: with a snapshot per edit, 300 one-line edits of a 350 KB file took the server from
    ~100 MB to ~220 MB, still held after submit."""
    service = DebugService(catalog, LocalProvider(), ServiceSettings(max_steps_limit=400))
    async with running(service):
        async with Client(build_server(service)) as client:
            episode = (await ok(client, "start_task", task_id=TASK, max_steps=400))["episode_id"]
            block = "\n".join(f"filler_{n:06d} = 'a line of about forty-five chars'" for n in range(3_800))
            await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code=block)
            await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code=BIG_LINE + "\n" + block)
            size = len(service.episode(episode, owner=LOCAL_OWNER).files[MAIN])
            assert size > 350_000
            gc.collect()
            tracemalloc.start()
            try:
                base = tracemalloc.get_traced_memory()[0]
                for n in range(300):
                    line = 2 + (n * 53) % 7_000
                    await ok(client, "replace_lines", episode_id=episode, start_line=line, end_line=line, new_code=f"edited_{n} = {n}")
                gc.collect()
                held = tracemalloc.get_traced_memory()[0] - base
            finally:
                tracemalloc.stop()
            assert held < 5 * MIB, f"{held / MIB:.1f} MiB held after 300 edits"  # a snapshot per edit: ~100 MiB
            memory = service.status()["memory"]
            counted = service.episode(episode, owner=LOCAL_OWNER).retained_bytes()
            calls = service.episode(episode, owner=LOCAL_OWNER).calls.nbytes  # the trajectory's call log, bounded apart
            assert calls <= MAX_LOG_BYTES + 303 * 1000
            assert counted - calls < 2 * size and memory["live_bytes"] >= counted
            await ok(client, "submit", episode_id=episode)
            finished = service.episode(episode, owner=LOCAL_OWNER)
            assert finished.undo_history.nbytes == 0 and len(finished.undo_stack) == 0
            kept = finished.files_bytes() + finished.steps_bytes
            assert finished.retained_bytes() == kept + finished.calls.nbytes and kept < size * 1.1 + 400_000
            memory = service.status()["memory"]
            assert memory["live_bytes"] == 0 and memory["episodes_bytes"] == finished.retained_bytes()
            assert len((await state(client, episode))["history"]) == 303  # episodes:// keeps what it showed


def insert(service: DebugService, episode: str, chars: int, owner: str = LOCAL_OWNER):
    return service.replace_lines(episode, 1, 0, "#" * chars, None, owner=owner)


async def test_finished_episodes_count_toward_the_servers_memory_bound_and_the_oldest_go_first(catalog):
    # 130 kB: three 30 kB edits and what each episode's trajectory keeps of its calls (~10 kB here).
    settings = ServiceSettings(max_memory_bytes=130_000, max_memory_per_owner=None)
    service = DebugService(catalog, LocalProvider(), settings)
    async with running(service):
        first = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        await insert(service, first, 30_000)
        await service.submit(first, owner=LOCAL_OWNER)
        assert service.episode(first, owner=LOCAL_OWNER).retained_bytes() > 30_000  # finished, still counted
        live = []
        for _ in range(3):
            live.append((await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id)
            await insert(service, live[-1], 30_000)  # the third passes the bound: the finished one goes
        with pytest.raises(UnknownEpisode):
            service.episode(first, owner=LOCAL_OWNER)
        assert service.status()["episodes_finished"] == 0

        late = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        step, files = service.episode(late, owner=LOCAL_OWNER).step, dict(service.episode(late, owner=LOCAL_OWNER).files)
        with pytest.raises(CapacityReached) as info:
            await insert(service, late, 30_000)
        message = str(info.value)
        assert "This server's episodes hold" in message and "its bound is" in message and "--max-episodes-memory-mb" in message
        assert "Nothing was changed and no step was counted" in message
        assert service.episode(late, owner=LOCAL_OWNER).step == step and service.episode(late, owner=LOCAL_OWNER).files == files

        # Live episodes alone reach the bound (their step history grows too): no new episode then.
        for _ in range(100):
            if service.status()["memory"]["live_bytes"] >= settings.max_memory_bytes:
                break
            await service.view_code(late, None, None, None, owner=LOCAL_OWNER)
        with pytest.raises(CapacityReached, match="--max-episodes-memory-mb"):
            await service.start_task(TASK, owner=LOCAL_OWNER)


async def test_each_token_has_its_own_memory_bound(catalog):
    service = DebugService(catalog, LocalProvider(), ServiceSettings(max_memory_bytes=10 * MIB, max_memory_per_owner=90_000))  # 30 kB edits and their call logs
    async with running(service):
        alice = [(await service.start_task(TASK, owner="alice")).episode_id for _ in range(3)]
        await insert(service, alice[0], 30_000, "alice")
        await insert(service, alice[1], 30_000, "alice")
        with pytest.raises(CapacityReached) as info:
            await insert(service, alice[2], 30_000, "alice")
        assert "Your episodes hold" in str(info.value) and "the bound per token is" in str(info.value)
        assert "--max-memory-per-token-mb" in str(info.value)
        bob = (await service.start_task(TASK, owner="bob")).episode_id
        await insert(service, bob, 30_000, "bob")  # alice's share is not bob's
        await service.submit(alice[0], owner="alice")  # finished, but still counted ...
        with pytest.raises(CapacityReached):
            await insert(service, alice[2], 45_000, "alice")
        await insert(service, alice[2], 30_000, "alice")  # ... until room is needed: then it is forgotten
        with pytest.raises(UnknownEpisode):
            service.episode(alice[0], owner="alice")


# -- the syntax checker --------------------------------------------------------------------------


async def test_the_syntax_checker_answers_times_out_and_recovers():
    from environment.syntax_check import SyntaxChecker

    checker = SyntaxChecker(workers=1, timeout_s=10)
    try:
        assert (await checker.check("a.py", "x = 1\n")).issue is None
        issue = (await checker.check("a.py", "x = 1\ny = (\n")).issue
        assert issue is not None and issue.line == 2 and issue.text == "y = ("
        assert (await checker.check("notes.txt", "def (")).issue is None
        big = "value = compute(alpha, beta)  # some comment\n" * 8_000  # 360 KB
        assert (await checker.check("a.py", big)).issue is None
        (worker,) = checker._idle
        assert (await checker.check("a.py", big + "x = (\n")).issue.line == 8_001
        assert checker._idle == [worker]  # its memory went back after the parse: kept, not restarted
        checker.timeout_s = 0.001
        slow = await checker.check("a.py", "x = [" + "1, " * 300_000 + "]\n")
        assert slow.issue is None and slow.unchecked == "the syntax check took longer than 0.001 s"
        checker.timeout_s = 10
        assert (await checker.check("a.py", "ok = 1\n")).issue is None  # a new worker, now idle
        (worker,) = checker._idle
        worker.process.kill()  # a worker that died between checks is replaced
        await worker.process.wait()
        assert (await checker.check("a.py", "def f(:\n")).issue.line == 1
        assert checker.unchecked == 1
    finally:
        await checker.aclose()


# -- flags and variables -------------------------------------------------------------------------


def test_the_limits_are_serve_flags_and_environment_variables():
    args = build_parser().parse_args(["serve", "--max-steps-limit", "500", "--max-file-lines", "3000", "--max-undo-mb", "2"])
    settings = service_settings(args, {"DEBUGBOX_MAX_FILE_CHARS": "90000", "DEBUGBOX_MAX_EPISODES_MEMORY_MB": "64", "DEBUGBOX_MAX_MEMORY_PER_TOKEN_MB": "16"})
    assert (settings.max_steps_limit, settings.max_file_lines, settings.max_undo_bytes) == (500, 3000, 2 * MIB)
    assert (settings.max_file_chars, settings.max_memory_bytes, settings.max_memory_per_owner) == (90_000, 64 * MIB, 16 * MIB)
    defaults = service_settings(build_parser().parse_args(["serve"]), {})
    assert (defaults.max_steps_limit, defaults.max_file_lines, defaults.max_file_chars) == (200, 20_000, 500_000)
    with pytest.raises(ConfigError, match="--max-steps-limit='0'"):
        service_settings(build_parser().parse_args(["serve", "--max-steps-limit", "0"]), {})
    with pytest.raises(ConfigError, match="DEBUGBOX_MAX_FILE_LINES='5'"):
        service_settings(build_parser().parse_args(["serve"]), {"DEBUGBOX_MAX_FILE_LINES": "5"})
