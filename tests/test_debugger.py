"""The debugger tools (issue 20) through a real mcp.Client on both backends: real pdb sessions in
the episode's sandbox, breakpoints that persist and drop, hostile debuggees, traces, and a whole
episode that finds its bug with the debugger."""

from __future__ import annotations

import json
import os
import time

import anyio
import pytest
from mcp import Client

from tests.conftest import require_docker
from tests.helpers import text_of

pytestmark = pytest.mark.anyio
TASK = "binary_search_off_by_one"
MAIN = "binary_search.py"
FAILING = "tests/test_binary_search.py::test_finds_last_element"
LOOP_LINE = 15  # `mid = (lo + hi) // 2`
BOUNDED = 60_000  # characters: every answer stays this small whatever the debuggee does


@pytest.fixture
async def client(server):
    async with Client(server) as c:
        yield c


async def call(client: Client, tool: str, **args) -> dict:
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool} failed: {text_of(result)}"
    assert len(text_of(result)) < BOUNDED and len(json.dumps(result.structured_content)) < BOUNDED
    return result.structured_content


async def refused(client: Client, tool: str, *needles: str, **args) -> str:
    result = await client.call_tool(tool, args)
    message = text_of(result)
    assert result.is_error, f"{tool}({args}) should fail, got {message[:300]}"
    for needle in needles:
        assert needle.lower() in message.lower(), (needle, message)
    return message


async def start(client: Client) -> str:
    return (await call(client, "start_task", task_id=TASK))["episode_id"]


async def test_breakpoint_stop_stepping_and_values(client):
    episode = await start(client)
    stop = await call(client, "debug_start", episode_id=episode, target=FAILING, breakpoints=[f"{MAIN}:{LOOP_LINE}"])
    assert stop["state"] == "stopped" and stop["reason"] == "breakpoint"
    assert (stop["path"], stop["line"], stop["function"]) == (MAIN, LOOP_LINE, "binary_search")
    assert stop["locals"] == {"items": "[1, 3, 5, 7, 9]", "target": "9", "lo": "0", "hi": "4"}
    assert f"->{LOOP_LINE}|        mid = (lo + hi) // 2" in stop["source"]
    assert stop["depth"] == 2 and stop["step"] == 1 and stop["reward"] == 0
    after = await call(client, "debug_command", episode_id=episode, command="n")
    assert after["line"] == LOOP_LINE + 1 and after["changed"] == {"mid": "2"}
    assert (await call(client, "debug_command", episode_id=episode, command="p lo, hi, mid"))["output"].strip() == "(0, 4, 2)"
    step_in = await call(client, "debug_command", episode_id=episode, command="s")
    assert step_in["line"] == LOOP_LINE + 2
    cont = await call(client, "debug_command", episode_id=episode, command="c")
    assert cont["reason"] == "breakpoint" and cont["locals"]["lo"] == "3"
    where = await call(client, "debug_command", episode_id=episode, command="w")
    assert "test_binary_search.py(" in where["output"] and "binary_search.py(15)binary_search()" in where["output"]
    assert "/workspace" not in where["output"] and "runner.py" not in where["output"]
    up = await call(client, "debug_command", episode_id=episode, command="u")
    assert (up["function"], up["depth"]) == ("test_finds_last_element", 1)
    await call(client, "debug_command", episode_id=episode, command="d")
    await call(client, "debug_command", episode_id=episode, command="cl")
    # Without breakpoints, c runs into the failing assert: post-mortem at the raising frame.
    post = await call(client, "debug_command", episode_id=episode, command="c")
    assert post["reason"] == "post-mortem" and post["function"] == "test_finds_last_element"
    assert "Uncaught exception: AssertionError: assert -1 == 4" in post["output"]
    assert "->7|" in post["source"] or "assert binary_search" in post["source"]
    end = await call(client, "debug_command", episode_id=episode, command="c")
    assert end["state"] == "ended" and "1 failed" in end["ended"]
    assert end["step"] == 11 and end["breakpoints"] == []
    await refused(client, "debug_command", "no debugger session", episode_id=episode, command="n")
    state = json.loads((await client.read_resource(f"episodes://{episode}")).contents[0].text)
    assert state["step"] == 11 and all(r == 0 for r in state["rewards"])


async def test_without_breakpoints_it_stops_at_the_start_and_a_snippet_post_mortem(client):
    episode = await start(client)
    first = await call(client, "debug_start", episode_id=episode, target=FAILING)
    assert first["reason"] == "start" and first["function"] == "test_finds_last_element"
    snippet = "from binary_search import binary_search\nx = binary_search([1, 2], 2)\nprint('got', x)\nraise ValueError(x)\n"
    first = await call(client, "debug_start", episode_id=episode, target=snippet)
    assert (first["reason"], first["path"], first["line"]) == ("start", "<snippet>", 1)
    for _ in range(3):
        stop = await call(client, "debug_command", episode_id=episode, command="n")
    assert stop["locals"]["x"] == "-1" and "got -1" in stop["program_output"]
    stop = await call(client, "debug_command", episode_id=episode, command="c")
    assert stop["reason"] == "post-mortem" and stop["line"] == 4
    assert (await call(client, "debug_command", episode_id=episode, command="c"))["ended"].startswith("the snippet raised ValueError")


async def test_interactive_and_bad_commands_are_refused_for_free(client):
    episode = await start(client)
    await refused(client, "debug_command", "no debugger session", episode_id=episode, command="n")
    await refused(client, "debug_stop", "no debugger session", episode_id=episode)
    await call(client, "debug_start", episode_id=episode, target=FAILING)
    for command, needle in [("interact", "terminal input"), ("debug binary_search([], 1)", "nested debugger"), ("commands 1", "terminal"),
                            ("q", "debug_stop"), ("n;;interact", "terminal input"), ("", "one pdb command"), ("n\ns", "one pdb command")]:  # fmt: skip
        await refused(client, "debug_command", needle, episode_id=episode, command=command)
    for target, needle in [("tests/test_hidden.py::test_x", "not a visible test"), ("def (", "neither a visible test nor valid Python"), ("", "empty")]:
        await refused(client, "debug_start", needle, episode_id=episode, target=target)
    await refused(client, "debug_start", "no file", episode_id=episode, target=FAILING, breakpoints=["nope.py:3"])
    await refused(client, "debug_start", "empty", episode_id=episode, target=FAILING, breakpoints=[f"{MAIN}:9"])
    await refused(client, "trace", "must be a function", episode_id=episode, target=FAILING, function="x; import os")
    # An alias cannot smuggle one in either: pdb itself refuses it.
    await call(client, "debug_command", episode_id=episode, command="alias x interact")
    smuggled = await call(client, "debug_command", episode_id=episode, command="x")
    assert "terminal input" in smuggled["output"] and smuggled["state"] == "stopped"
    assert smuggled["step"] == 3


async def test_breakpoints_persist_and_drop_when_their_code_changes_and_an_edit_ends_the_session(client):
    episode = await start(client)
    await call(client, "debug_start", episode_id=episode, target=FAILING, breakpoints=[f"{MAIN}:{LOOP_LINE}", f"{MAIN}:20 if lo > 1"])
    again = await call(client, "debug_start", episode_id=episode, target=FAILING)
    assert again["reason"] == "breakpoint" and again["line"] == LOOP_LINE
    assert again["breakpoints"] == [f"{MAIN}:{LOOP_LINE}", f"{MAIN}:20 if lo > 1"]
    edit = await call(client, "replace_text", episode_id=episode, path=MAIN, old_text="mid = (lo + hi) // 2", new_text="mid = lo + (hi - lo) // 2")
    assert edit["debugger"] == "the code changed"
    await refused(client, "debug_command", "no debugger session", episode_id=episode, command="n")
    after = await call(client, "debug_start", episode_id=episode, target=FAILING)
    assert any(f"{MAIN}:{LOOP_LINE} dropped" in w for w in after["warnings"])
    assert after["breakpoints"] == [f"{MAIN}:20 if lo > 1"]
    assert after["line"] == 20 and int(after["locals"]["lo"]) > 1
    undone = await client.call_tool("undo", {"episode_id": episode})
    assert "Note: the debugger session ended (the code changed)." in text_of(undone)
    # A run ends the live session too, and its result says so.
    await call(client, "debug_start", episode_id=episode, target=FAILING)
    run = await call(client, "run_tests", episode_id=episode)
    assert run["debugger"] == "tests ran in the sandbox"


async def test_trace_shows_values_per_line_and_summarises_loops(client):
    episode = await start(client)
    traced = await call(client, "trace", episode_id=episode, target=FAILING, function="binary_search")
    assert traced["calls_total"] == 1 and traced["path"] == MAIN
    call_ = traced["calls"][0]
    assert call_["args"] == {"items": "[1, 3, 5, 7, 9]", "target": "9"} and call_["returned"] == "-1"
    assert {"line": 13, "changed": {"lo": "0", "hi": "4"}, "repeated": 0, "code": "lo, hi = 0, len(items) - 1"} in call_["steps"]
    text = text_of(await client.call_tool("trace", {"episode_id": episode, "target": FAILING, "function": "binary_search"}))
    assert "15|mid = (lo + hi) // 2   => mid = 2" in text and "returned -1" in text and "failed" in text
    loop = "from binary_search import binary_search\nfor n in range(50):\n    binary_search(list(range(1000)), n)\n"
    many = await call(client, "trace", episode_id=episode, target=loop, function="binary_search")
    assert many["calls_total"] == 50 and len(many["calls"]) == 5
    repeats = [s for s in many["calls"][0]["steps"] if s["repeated"]]
    assert repeats and all(s["repeated"] > 0 for s in repeats)
    missing = await call(client, "trace", episode_id=episode, target=FAILING, function="nothing_like_this")
    assert missing["calls_total"] == 0 and "was not called" in text_of(await client.call_tool("trace", {"episode_id": episode, "target": FAILING, "function": "nothing_like_this"}))


HOSTILE = {
    "infinite loop": ("while True:\n    pass\n", "interrupted"),
    "sleep in C": ("import time\ntime.sleep(600)\n", "killed"),
    "output flood": ("import sys\nwhile True:\n    sys.stdout.write('x' * 10000)\n", "interrupted"),
    "exits": ("import os\nos._exit(3)\n", "exited with code 3"),
    "kills itself": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "killed by signal 9"),
    "memory bomb": ("chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 1024 * 1024))\n", "MemoryError|killed by signal 9"),  # RLIMIT_AS, or the container's cgroup
    "fork bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n", ""),
}


@pytest.mark.parametrize("attack", list(HOSTILE))
async def test_hostile_debuggees_end_cleanly_with_bounded_answers(client, service, attack):
    service_settings = service.settings
    object.__setattr__(service_settings, "debug_command_timeout_s", 2.0)  # keep the test short
    episode = await start(client)
    code, expected = HOSTILE[attack]
    marker = f"debugbox-hostile-{os.getpid()}-{time.monotonic_ns()}"
    spawn = f"import subprocess\nsubprocess.Popen(['sh', '-c', 'sleep 600; echo {marker}'], start_new_session=True)\n"
    first = await call(client, "debug_start", episode_id=episode, target=spawn + code)
    assert first["state"] == "stopped"
    started = time.monotonic()
    answer = await call(client, "debug_command", episode_id=episode, command="c")
    assert time.monotonic() - started < 20
    text = json.dumps(answer)
    assert any(e in text for e in expected.split("|")), text[:2000]
    if answer["state"] == "stopped":
        await call(client, "debug_stop", episode_id=episode)
    leftovers = await call(
        client, "run_python", episode_id=episode,
        code=f"import os\nfor p in os.listdir('/proc'):\n    try:\n        c = open(f'/proc/{{p}}/cmdline','rb').read()\n    except OSError:\n        continue\n    if b'{marker}' in c and int(p) != os.getpid():\n        print('LEFT', p)\n",
    )  # fmt: skip
    assert "LEFT" not in leftovers["stdout"]
    normal = await call(client, "debug_start", episode_id=episode, target=FAILING)
    assert normal["reason"] == "start"


async def test_hidden_tests_are_not_in_the_debuggee_s_sandbox(client, catalog, backend):
    task = catalog.get(TASK)
    hidden_name = next(iter(task.hidden_test_files))
    hidden_marker = next(line for line in task.hidden_test_files[hidden_name].splitlines() if line.startswith("def test_"))
    episode = await start(client)
    snippet = (
        f"import os\nfound = []\nfor root in {('/', '/tmp', '/dev/shm') if backend == 'docker' else ()!r} + (os.getcwd(),):\n"
        "    for d, dirs, files in os.walk(root):\n"
        "        dirs[:] = [x for x in dirs if x not in ('proc', 'sys', 'dev', 'usr', 'lib', 'bin', 'sbin', 'etc', 'root', 'home', 'var', 'opt', 'snap', 'run', 'boot', 'srv')]\n"
        f"        found += [os.path.join(d, f) for f in files if f == {os.path.basename(hidden_name)!r}]\n"
        "x = len(found)\n"
    )
    await call(client, "debug_start", episode_id=episode, target=snippet, breakpoints=[])
    stop = await call(client, "debug_command", episode_id=episode, command="unt 7")
    assert stop["line"] == 7
    found = await call(client, "debug_command", episode_id=episode, command="p found")
    assert found["output"].strip() == "[]", found
    assert hidden_marker not in json.dumps(stop)


async def test_a_whole_episode_finds_the_bug_with_the_debugger_and_fixes_it(client):
    episode = await start(client)
    run = await call(client, "run_tests", episode_id=episode)
    assert run["failed"] > 0
    traced = await call(client, "trace", episode_id=episode, target=FAILING, function="binary_search")
    assert traced["calls"][0]["returned"] == "-1"  # the loop ended with lo == hi == 4, never looking at items[4]
    stop = await call(client, "debug_start", episode_id=episode, target=FAILING, breakpoints=[f"{MAIN}:23"])
    assert stop["line"] == 23 and stop["locals"]["lo"] == stop["locals"]["hi"] == "4"
    assert (await call(client, "debug_command", episode_id=episode, command="p items[lo] == target"))["output"].strip() == "True"
    await call(client, "debug_stop", episode_id=episode)
    fix = await call(client, "replace_text", episode_id=episode, path=MAIN, old_text="while lo < hi:", new_text="while lo <= hi:")
    assert fix["debugger"] is None  # the session had been stopped
    run = await call(client, "run_tests", episode_id=episode)
    assert run["passed"] == run["total"]
    final = await call(client, "submit", episode_id=episode)
    assert final["resolved"] and final["score"] == 1.0


def _host_processes_with(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(name))
            except OSError:
                pass
    return found


@pytest.mark.parametrize("backend", ["local"])  # the host sees a local sandbox's processes; Docker: the hostile test
async def test_a_session_s_processes_are_gone_when_debug_stop_returns(client, backend):
    """On the local backend the host's process table is checked right after debug_stop, with no run
    in between (a run would end the session by itself)."""
    episode = await start(client)
    marker = f"debugbox-stop-{os.getpid()}-{time.monotonic_ns()}"
    spawn = f"import subprocess\nsubprocess.Popen(['sh', '-c', 'sleep 600; echo {marker}'], start_new_session=True)\nx = 1\n"
    await call(client, "debug_start", episode_id=episode, target=spawn, breakpoints=[])
    await call(client, "debug_command", episode_id=episode, command="n")
    await call(client, "debug_command", episode_id=episode, command="n")
    assert _host_processes_with(marker), "the debuggee's child should be running while the session is live"
    stopped = await call(client, "debug_stop", episode_id=episode)
    assert stopped["state"] == "ended" and stopped["ended"] == "debug_stop ended it"
    assert _host_processes_with(marker) == []


async def test_a_debug_session_over_stdio(backend):
    from mcp import StdioServerParameters

    from tests.helpers import serve_command

    command = serve_command("--backend", backend)
    async with Client(StdioServerParameters(command=command[0], args=command[1:])) as stdio:
        episode = (await call(stdio, "start_task", task_id=TASK))["episode_id"]
        stop = await call(stdio, "debug_start", episode_id=episode, target=FAILING, breakpoints=[f"{MAIN}:23"])
        assert stop["line"] == 23 and stop["locals"]["lo"] == "4"
        assert (await call(stdio, "debug_command", episode_id=episode, command="p items[hi]"))["output"].strip() == "9"
        assert (await call(stdio, "debug_stop", episode_id=episode))["state"] == "ended"


async def test_a_session_ends_at_its_wall_time_cap_and_the_next_call_says_so(client, service):
    object.__setattr__(service.settings, "debug_session_s", 2.0)
    episode = await start(client)
    await call(client, "debug_start", episode_id=episode, target=FAILING)
    await anyio.sleep(3.0)  # the cap is kept by the runner, between requests
    message = await refused(client, "debug_command", "no debugger session", "wall-time cap", episode_id=episode, command="n")
    assert "no step" in message.lower()
    state = json.loads((await client.read_resource(f"episodes://{episode}")).contents[0].text)
    assert state["step"] == 1


async def test_a_debug_session_over_streamable_http(backend):
    from tests.helpers import http_server

    with http_server("--backend", backend) as (_, url):
        async with Client(url) as remote:
            episode = (await call(remote, "start_task", task_id=TASK))["episode_id"]
            stop = await call(remote, "debug_start", episode_id=episode, target=FAILING)
            assert stop["reason"] == "start"
            post = await call(remote, "debug_command", episode_id=episode, command="c")
            assert post["reason"] == "post-mortem" and "assert -1 == 4" in post["output"]
            traced = await call(remote, "trace", episode_id=episode, target=FAILING, function="binary_search")
            assert traced["debugger"] == "a trace ran in the sandbox" and traced["calls"][0]["returned"] == "-1"


@pytest.mark.parametrize("backend", ["docker"])  # the local backend is process isolation only
async def test_one_episode_s_session_cannot_reach_another_s(client, backend):
    """Each episode's session lives in its own sandbox: another episode sees none of its processes
    (Docker; the local backend is process isolation only) and cannot end it."""
    require_docker()
    first, second = await start(client), await start(client)
    marker = f"debugbox-tenant-{time.monotonic_ns()}"
    await call(client, "debug_start", episode_id=first, target=f"import time\nsecret = {marker!r}\nx = 1\n", breakpoints=[])
    await call(client, "debug_command", episode_id=first, command="n")
    # The only processes the second episode's snippet can see: its runner (PID 1) and itself.
    probe = "import os\nprint('OTHERS', [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid())])\n"
    seen = await call(client, "run_python", episode_id=second, code=probe)
    assert "OTHERS []" in seen["stdout"], seen["stdout"]

    await call(client, "debug_start", episode_id=second, target=FAILING)
    await call(client, "debug_stop", episode_id=second)
    still = await call(client, "debug_command", episode_id=first, command="n")
    assert still["state"] == "stopped" and still["locals"]["secret"] == repr(marker)
