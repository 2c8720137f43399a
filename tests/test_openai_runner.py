"""client_examples/openai_runner.py, run as a real subprocess against a real `debugbox serve`, with a
scripted OpenAI-compatible endpoint (tests/fake_openai.py) as the model: the exact stdout log, the
kill switches, retries, auth errors and a lost connection. Plus the openai-agents example."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.client import DebugboxClient, ToolSpec, openai_tool
from harness.episode_runner import EpisodeRunner
from harness.episode_log import compact_action, end_line, step_line
from harness.openai_policy import OpenAISettings
from harness.policy import PolicyConfigError, ScriptedPolicy
from tests.fake_openai import FakeOpenAI, Reply, call, status, text
from tests.helpers import http_server

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "client_examples" / "openai_runner.py"
AGENTS_EXAMPLE = ROOT / "client_examples" / "openai_agents_example.py"
TASK = "binary_search_off_by_one"
MODEL = "fake-model"
FIX = {"start_line": 14, "end_line": 14, "new_code": "    while lo <= hi:"}  # line 14 is `    while lo < hi:`
ORIGINAL_SCORE = "0.00"  # untouched code scores 0 (it passes 5 of the 11 hidden tests: the raw rate, not the score)
MODEL_VARIABLES = ("HF_TOKEN", "API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_BASE_URL", "MODEL_NAME")

START = f"[START] task={TASK} env=debugbox model={MODEL}"
STEP_RE = re.compile(r"\[STEP\] step=\d+ action=\S.* reward=-?\d+\.\d\d done=(true|false) error=(null|\S.*)")
END_RE = re.compile(r"\[END\] success=(true|false) steps=\d+ score=\d+\.\d\d rewards=(-?\d+\.\d\d(,-?\d+\.\d\d)*)?")
LINE_RE = re.compile(rf"\[START\] task=\S+ env=debugbox model=\S+|{STEP_RE.pattern}|{END_RE.pattern}")


@pytest.fixture(scope="module")
def server_url():
    """One shared `debugbox serve --transport http` (local backend) for the tests that do not
    exercise the stdio spawn: episodes are independent, and a server start costs a second."""
    with http_server("--backend", "local") as (_, url):
        yield f"--server-url={url}"


def submit_step(n: int, reward: str = ORIGINAL_SCORE) -> str:
    return f"[STEP] step={n} action=submit() reward={reward} done=true error=null"


def model_env(base_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in MODEL_VARIABLES}
    env.update(API_BASE_URL=base_url, MODEL_NAME=MODEL, API_KEY="test-key", PYTHONUNBUFFERED="1", **extra)
    return env


def run_script(script: list[Reply], *args: str, server: str, env: dict[str, str] | None = None):
    """Run the runner against a fake model playing `script`; return (process result, fake)."""
    with FakeOpenAI(script) as fake:
        command = [sys.executable, str(RUNNER), *args, server, "--retry-delay", "0.01"]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=180, cwd=ROOT, env={**model_env(fake.base_url), **(env or {})}
        )
    return result, fake


def log_lines(result) -> list[str]:
    lines = result.stdout.splitlines()
    for line in lines:
        assert LINE_RE.fullmatch(line), f"not a log line: {line!r}\nstderr:\n{result.stderr[-3000:]}"
    return lines


def tool_messages(body: dict) -> list[str]:
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def test_a_scripted_model_resolves_the_task(backend):
    script = [
        call("view_code", start_line=13, end_line=15),
        call("replace_lines", **FIX),
        call("run_tests"),
        call("submit"),
    ]
    result, fake = run_script(script, "--task", TASK, server=f"--backend={backend}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert log_lines(result) == [
        START,
        "[STEP] step=1 action=view_code(start_line=13,end_line=15) reward=0.00 done=false error=null",
        '[STEP] step=2 action=replace_lines(start_line=14,end_line=14,new_code="    while lo <= hi:") reward=0.00 done=false error=null',
        "[STEP] step=3 action=run_tests() reward=0.20 done=false error=null",  # 5/5 visible now, 4/5 originally
        "[STEP] step=4 action=submit() reward=0.80 done=true error=null",  # the score, minus what the run paid
        "[END] success=true steps=4 score=1.00 rewards=0.00,0.00,0.20,0.80",
    ]
    # What the model saw: the solve_task prompt, start_task's text, the episode tools, every result.
    assert len(fake.requests) == 4
    first = fake.bodies[0]
    assert first["model"] == MODEL
    assert fake.requests[0]["headers"]["authorization"] == "Bearer test-key"
    system, user = first["messages"][:2]
    assert system["role"] == "system" and system["content"].startswith("You are debugging a Python program in the debugbox sandbox.")
    assert f"task_id={TASK!r}" in system["content"]
    # ... followed by the episode's rules: step costs, the score, this server's reward mode, the runner's limits.
    rules = system["content"].split("Rules of this episode:", 1)[1]
    assert "an error, or a call that would change nothing" in rules and "costs none" in rules
    assert "Untouched code scores 0" in rules
    assert "each full run_tests pays the change of the visible pass rate" in rules
    assert "stops you after 30 calls (errors count here) or the same call 3 times in a row" in rules
    assert user["role"] == "user" and re.search(r"Episode ep_\S+ started", user["content"])
    names = {tool["function"]["name"] for tool in first["tools"]}
    # Discovered from the server, the debugger's tools included (issue 20).
    assert names == {
        "list_files", "search_code", "view_code", "replace_lines", "replace_text", "show_diff", "run_tests", "run_python", "undo", "reset_code", "submit",
        "debug_start", "debug_command", "debug_stop", "trace",
    }  # fmt: skip
    replace = next(t["function"] for t in first["tools"] if t["function"]["name"] == "replace_lines")
    assert replace["parameters"]["required"] == ["start_line", "end_line", "new_code"]  # episode_id is filled in
    results = tool_messages(fake.bodies[-1])
    assert results[0].startswith("binary_search.py lines 13-15 of 28:") and "14|    while lo < hi:" in results[0]
    assert "+    while lo <= hi:" in results[1]
    assert results[2].startswith("Tests Passed: 5/5")


def test_malformed_calls_go_back_to_the_model_as_errors(server_url):
    script = [
        call("replace_lines", '{"start_line": 14, "end_line": 14, "new_code": '),  # invalid JSON: no step
        call("delete_everything", {}),  # unknown tool
        call("replace_lines", start_line="fourteen", end_line=14, new_code="x"),  # wrong type: the server's error
        call("start_task", task_id=TASK),  # the runner's tool, not the model's
        call("replace_lines", {"episode_id": "{episode_id}", **FIX}),  # the model may name the episode itself
        call("submit"),
    ]
    result, fake = run_script(script, "--task", TASK, server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = log_lines(result)
    assert lines[0] == START
    assert lines[1].startswith("[STEP] step=1 action=delete_everything() reward=0.00 done=false error=Unknown tool 'delete_everything'.")
    assert lines[2].startswith(
        '[STEP] step=2 action=replace_lines(start_line="fourteen",end_line=14,new_code="x") reward=0.00 done=false '
        'error=Invalid arguments for replace_lines: start_line must be an integer (got "fourteen").'
    )
    assert lines[3].startswith(f'[STEP] step=3 action=start_task(task_id="{TASK}") reward=0.00 done=false error=Unknown tool')
    assert lines[4:] == [
        '[STEP] step=4 action=replace_lines(start_line=14,end_line=14,new_code="    while lo <= hi:") reward=0.00 done=false error=null',
        "[STEP] step=5 action=submit() reward=1.00 done=true error=null",
        "[END] success=true steps=5 score=1.00 rewards=0.00,0.00,0.00,0.00,1.00",
    ]
    # Each error went back to the model, as the answer to its own tool call.
    answers = tool_messages(fake.bodies[-1])
    assert answers[0].startswith("ERROR: the call was not made: its arguments are not valid JSON")
    assert answers[1].startswith("ERROR: Unknown tool 'delete_everything'. The tools are: debug_command, debug_start, debug_stop, list_files, replace_lines")
    assert answers[2].startswith("ERROR: Invalid arguments for replace_lines: start_line must be an integer")
    assert answers[3].startswith("ERROR: Unknown tool 'start_task'")
    assert "malformed calls 1" in result.stderr and "3 tool errors" in result.stderr


def test_kill_switch_three_unparseable_replies_then_the_runner_submits(server_url):
    # Two episodes (a positional task and --task): each ends with an [END] line of its own.
    unparseable = [text("I think the bug is on line 14."), call("run_tests", "{not json"), text("Done!")]
    result, fake = run_script(unparseable * 2, TASK, "--task", TASK, server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    episode = [START, submit_step(1), f"[END] success=false steps=1 score={ORIGINAL_SCORE} rewards={ORIGINAL_SCORE}"]
    assert log_lines(result) == episode * 2
    assert len(fake.requests) == 6
    # The model was told what was wrong each time.
    followups = [m["content"] for m in fake.bodies[2]["messages"] if m["role"] in ("user", "tool")][1:]
    assert followups[0].startswith("Your reply had no tool call.")
    assert followups[1].startswith("ERROR: the call was not made: its arguments are not valid JSON")
    assert "kill switch: 3 replies in a row without a usable tool call" in result.stderr


def test_kill_switch_the_same_call_three_times_in_a_row(server_url):
    script = [
        call("view_code", start_line=1, end_line=5),
        call("view_code", start_line=1, end_line=5),
        call("view_code", {"episode_id": "{episode_id}", "start_line": 1, "end_line": 5}),  # same call: episode_id aside
        call("submit"),  # never requested
    ]
    result, fake = run_script(script, "--task", TASK, server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    step = "action=view_code(start_line=1,end_line=5) reward=0.00 done=false error=null"
    assert log_lines(result) == [
        START,
        f"[STEP] step=1 {step}",
        f"[STEP] step=2 {step}",
        submit_step(3),
        f"[END] success=false steps=3 score={ORIGINAL_SCORE} rewards=0.00,0.00,{ORIGINAL_SCORE}",
    ]
    assert len(fake.requests) == 3
    assert "kill switch: the same call view_code asked for 3 times in a row" in result.stderr


def test_max_steps_then_the_runner_submits(server_url):
    script = [call("view_code", start_line=1, end_line=5), call("run_tests"), call("view_code", start_line=6, end_line=9)]
    result, fake = run_script(script, "--task", TASK, "--max-steps", "2", server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert log_lines(result) == [
        START,
        "[STEP] step=1 action=view_code(start_line=1,end_line=5) reward=0.00 done=false error=null",
        "[STEP] step=2 action=run_tests() reward=0.00 done=false error=null",  # 4 of 5 visible tests pass, as originally
        submit_step(3),
        f"[END] success=false steps=3 score={ORIGINAL_SCORE} rewards=0.00,0.00,{ORIGINAL_SCORE}",
    ]
    assert len(fake.requests) == 2
    assert "max steps (2) reached" in result.stderr


def test_a_no_op_is_a_free_error_and_rewards_follow_the_visible_pass_rate_both_ways(server_url):
    """A call that would change nothing comes back as a tool error (the model sees it, the budget
    does not); a regression pays a negative reward, the fix pays it back, and the rewards add up to
    the score."""
    script = [
        call("replace_lines", start_line=14, end_line=14, new_code="    while lo < hi:"),  # line 14 already reads so
        call("replace_lines", start_line=14, end_line=14, new_code="    while False:"),  # finds nothing any more
        call("run_tests"),
        call("replace_text", path="binary_search.py", old_text="    while False:", new_text="    while lo <= hi:"),
        call("run_tests"),
        call("submit"),
    ]
    result, fake = run_script(script, "--task", TASK, server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = log_lines(result)
    assert lines[1].startswith('[STEP] step=1 action=replace_lines(start_line=14,end_line=14,new_code="    while lo < hi:") reward=0.00 done=false error=Error executing tool replace_lines: No change')
    assert lines[2] == '[STEP] step=2 action=replace_lines(start_line=14,end_line=14,new_code="    while False:") reward=0.00 done=false error=null'
    regression = re.fullmatch(r"\[STEP\] step=3 action=run_tests\(\) reward=(-\d\.\d\d) done=false error=null", lines[3])
    assert regression, lines[3]
    assert lines[4] == '[STEP] step=4 action=replace_text(path="binary_search.py",old_text="    while False:",new_text="    while lo <= hi:") reward=0.00 done=false error=null'
    recovered = re.fullmatch(r"\[STEP\] step=5 action=run_tests\(\) reward=(\d\.\d\d) done=false error=null", lines[5])
    assert recovered and float(recovered[1]) == pytest.approx(1.0 - (0.8 + float(regression[1])), abs=0.011)
    assert lines[6] == "[STEP] step=6 action=submit() reward=0.80 done=true error=null"  # 1.00 minus the runs' net 0.20
    assert lines[7] == f"[END] success=true steps=6 score=1.00 rewards=0.00,0.00,{regression[1]},0.00,{recovered[1]},0.80"
    answers = tool_messages(fake.bodies[-1])
    assert answers[0].startswith("ERROR: ") and "No change" in answers[0] and "no step was counted" in answers[0]
    assert "[step 1, 29 left" in answers[1]  # the no-op cost nothing: the next edit is the budget's first step
    assert "1 tool errors" in result.stderr


def test_repeated_undos_are_no_loop_until_they_fail(server_url):
    """The same call three times in a row stops the episode, except for a call that moves on by
    itself: each successful undo reverts an earlier edit. Failed undos count as repeats."""
    script = [
        call("replace_lines", **FIX),
        call("replace_text", path="binary_search.py", old_text="    return -1\n\n", new_text="    return -1  # not found\n\n"),
        call("undo"),
        call("undo"),
        call("undo"),  # nothing left to undo: an error, but the undo before it succeeded
        call("undo"),  # a second failure in a row
        call("undo"),  # a third: not executed
        call("view_code"),  # never requested
    ]
    result, fake = run_script(script, "--task", TASK, server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = log_lines(result)
    assert [line.split(" action=")[1].split("(")[0] for line in lines[1:-1]] == ["replace_lines", "replace_text", "undo", "undo", "undo", "undo", "submit"]
    assert lines[3].endswith("error=null") and lines[4].endswith("error=null")
    for failed in lines[5:7]:
        assert failed.endswith("error=Error executing tool undo: There is nothing to undo: no edit has been made since the episode started.")
    assert lines[-1] == f"[END] success=false steps=7 score={ORIGINAL_SCORE} rewards=0.00,0.00,0.00,0.00,0.00,0.00,{ORIGINAL_SCORE}"
    assert len(fake.requests) == 7
    assert "kill switch: the same call undo asked for 3 times in a row" in result.stderr


def test_the_call_that_spends_the_budget_ends_the_episode_without_a_runner_submit(server_url):
    """binary_search_off_by_one has a 30-step budget: the 30th call is answered, then the server
    submits; the last two steps warn the model, and the runner has nothing left to submit."""
    views = [(1, n) for n in range(1, 29)] + [(2, 3), (3, 4)]  # 30 different calls (the file has 28 lines)
    script = [call("view_code", start_line=a, end_line=b) for a, b in views] + [call("submit")]
    result, fake = run_script(script, "--task", TASK, "--max-steps", "40", server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = log_lines(result)
    assert len(lines) == 32 and all("error=null" in line for line in lines[1:-1])
    assert lines[-2] == "[STEP] step=30 action=view_code(start_line=3,end_line=4) reward=0.00 done=true error=null"
    assert lines[-1] == f"[END] success=false steps=30 score={ORIGINAL_SCORE} rewards=" + ",".join(["0.00"] * 30)
    answers = tool_messages(fake.bodies[-1])
    assert "WARNING: 2 steps left" in answers[27] and "WARNING: 1 step left" in answers[28]
    assert len(fake.requests) == 30 and "runner submitted" not in result.stderr


def test_rate_limits_and_server_errors_are_retried(server_url):
    script = [status(429), status(500), status(503), call("replace_lines", **FIX), status(502), call("submit")]
    result, fake = run_script(script, "--task", TASK, server=server_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert log_lines(result) == [
        START,
        '[STEP] step=1 action=replace_lines(start_line=14,end_line=14,new_code="    while lo <= hi:") reward=0.00 done=false error=null',
        "[STEP] step=2 action=submit() reward=1.00 done=true error=null",
        "[END] success=true steps=2 score=1.00 rewards=0.00,1.00",
    ]
    assert [r["status"] for r in fake.requests] == [429, 500, 503, 200, 502, 200]
    assert "retry 3/5" in result.stderr and "retries 4" in result.stderr


def test_a_model_endpoint_that_keeps_failing_ends_the_episode(server_url):
    result, fake = run_script([status(500)] * 3, "--task", TASK, "--max-retries", "2", server=server_url)
    assert result.returncode == 1
    assert log_lines(result) == [START, "[END] success=false steps=0 score=0.00 rewards="]
    assert len(fake.requests) == 3
    assert "kept failing (HTTP 500) after 2 retries" in result.stderr


@pytest.mark.parametrize("code", [401, 403])
def test_bad_credentials_stop_cleanly_naming_the_variables(code, server_url):
    result, fake = run_script([status(code)], "--task", TASK, "--task", "median_even_length", server=server_url)
    assert result.returncode == 2
    # One episode only: the next task would fail the same way.
    assert log_lines(result) == [START, "[END] success=false steps=0 score=0.00 rewards="]
    assert len(fake.requests) == 1  # never retried
    assert f"refused the credentials (HTTP {code})" in result.stderr
    for variable in ("HF_TOKEN", "API_KEY", "OPENAI_API_KEY", "--api-key"):
        assert variable in result.stderr


def test_an_unknown_task_fails_alone(server_url):
    result, fake = run_script([call("submit")], "no_such_task", TASK, server=server_url)
    assert result.returncode == 1
    assert log_lines(result) == [
        f"[START] task=no_such_task env=debugbox model={MODEL}",
        "[END] success=false steps=0 score=0.00 rewards=",
        START,
        submit_step(1),
        f"[END] success=false steps=1 score={ORIGINAL_SCORE} rewards={ORIGINAL_SCORE}",
    ]
    assert "start_task failed" in result.stderr and "no_such_task" in result.stderr


def test_a_lost_connection_still_ends_with_an_end_line():
    with http_server("--backend", "local") as (process, url):

        def kill_server() -> None:
            process.kill()
            process.wait()

        script = [call("view_code", start_line=1, end_line=3), Reply(tool_calls=[("run_tests", {})], before=kill_server)]
        result, _ = run_script(script, "--task", TASK, server=f"--server-url={url}")
    assert result.returncode == 1
    assert log_lines(result) == [
        START,
        "[STEP] step=1 action=view_code(start_line=1,end_line=3) reward=0.00 done=false error=null",
        "[END] success=false steps=1 score=0.00 rewards=0.00",
    ]


def load_runner():
    spec = importlib.util.spec_from_file_location("openai_runner", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_errors_exit_non_zero_before_any_episode(monkeypatch, capsys):
    runner = load_runner()
    for name in MODEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert runner.main([TASK]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "MODEL_NAME" in err
    assert runner.main(["--model", "m"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "name at least one task" in err
    assert runner.main(["--model", "m", TASK, "--max-steps", "0"]) == 2


def test_settings_come_from_the_environment_and_flags_win():
    env = {"MODEL_NAME": "m", "API_BASE_URL": "http://x/v1", "API_KEY": "second", "OPENAI_API_KEY": "third", "HF_TOKEN": "first"}
    settings = OpenAISettings.from_env(env)
    assert (settings.model, settings.base_url, settings.api_key) == ("m", "http://x/v1", "first")
    assert OpenAISettings.from_env({k: v for k, v in env.items() if k != "HF_TOKEN"}).api_key == "second"
    assert OpenAISettings.from_env({"MODEL_NAME": "m", "OPENAI_API_KEY": "third"}).api_key == "third"
    flagged = OpenAISettings.from_env(env, model="flag-model", api_key="flag-key", base_url=None)
    assert (flagged.model, flagged.api_key, flagged.base_url) == ("flag-model", "flag-key", "http://x/v1")
    with pytest.raises(PolicyConfigError, match="MODEL_NAME"):
        OpenAISettings.from_env({"API_KEY": "k"})


def test_log_lines_are_single_lines_with_compact_actions():
    long_code = "def f(x):\n    return x + 1\n" * 10
    action = compact_action("replace_lines", {"episode_id": "ep_1", "start_line": 3, "end_line": 3, "new_code": long_code})
    assert action.startswith('replace_lines(start_line=3,end_line=3,new_code="def f(x):\\n    return x + 1\\n')
    assert action.endswith('...")') and "ep_1" not in action and len(action) < 120
    assert compact_action("run_tests", {"episode_id": "ep_1"}) == "run_tests()"
    assert compact_action("x", {"code": "a\u2028b"}) == 'x(code="a b")'
    line = step_line(2, action, 0.125, False, "Traceback:\n  File x\n\tboom   ")
    assert "\n" not in line and line.endswith("reward=0.12 done=false error=Traceback: File x boom")
    assert step_line(1, "submit()", 1, True, None).endswith("done=true error=null")
    assert end_line(False, 0, 0.0, []) == "[END] success=false steps=0 score=0.00 rewards="
    assert end_line(True, 2, 1.0, [0.0, 1.0]) == "[END] success=true steps=2 score=1.00 rewards=0.00,1.00"


def test_mcp_tools_become_openai_function_tools():
    schema = {
        "type": "object",
        "title": "view_codeArguments",
        "properties": {"episode_id": {"type": "string", "description": "the id"}, "path": {"type": "string"}},
        "required": ["episode_id"],
    }
    tool = openai_tool(ToolSpec("view_code", "Show lines.", schema), optional=["episode_id"])
    assert tool["type"] == "function"
    function = tool["function"]
    assert function["name"] == "view_code" and function["description"] == "Show lines."
    assert "required" not in function["parameters"] and "title" not in function["parameters"]
    assert "filled in for you" in function["parameters"]["properties"]["episode_id"]["description"]
    assert schema["required"] == ["episode_id"]  # the listed schema is left as it was
    plain = openai_tool(ToolSpec("submit", "", schema))["function"]["parameters"]
    assert plain["required"] == ["episode_id"] and plain["properties"] == schema["properties"]


@pytest.mark.anyio
async def test_the_episode_runner_plays_any_policy(server_url):
    """The client core without a model: a scripted policy, played in-process over HTTP."""
    steps = []
    async with DebugboxClient.http(server_url.removeprefix("--server-url=")) as client:
        runner = EpisodeRunner(client, max_steps=5, on_step=lambda n, step: steps.append((n, step.call.name)))
        record = await runner.play(TASK, ScriptedPolicy([("view_code", {"start_line": 14, "end_line": 14}), ("replace_lines", FIX)]))
    assert steps == [(1, "view_code"), (2, "replace_lines"), (3, "submit")]
    assert record.steps[0].outcome.text.startswith("binary_search.py lines 14-14 of 28:\n14|    while lo < hi:")
    assert record.steps[0].call.arguments["episode_id"] == record.episode_id  # filled in by the runner
    assert record.auto_submitted and record.stop_reason == "policy stopped: script finished"
    assert (record.done, record.resolved, record.score, record.rewards) == (True, True, 1.0, [0.0, 0.0, 1.0])


@pytest.mark.skipif(importlib.util.find_spec("agents") is None, reason="openai-agents is not installed (pip install 'openai-agents>=0.20,<0.21')")
def test_the_openai_agents_example_solves_the_task():
    script = [
        call("start_task", task_id=TASK),
        call("replace_lines", {"episode_id": "{episode_id}", **FIX}),
        call("run_tests", episode_id="{episode_id}"),
        call("submit", episode_id="{episode_id}"),
        text("Fixed: the loop now includes hi."),
    ]
    with FakeOpenAI(script) as fake:
        result = subprocess.run(
            [sys.executable, str(AGENTS_EXAMPLE), "--task", TASK, "--backend", "local"],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
            env=model_env(fake.base_url),
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "agent: Fixed: the loop now includes hi.",
        "submit: Submitted. Score 1.00: 6 of the 6 hidden tests the original fails now pass, 0 of the 5 it passed now fail; "
        "11/11 hidden tests pass in all. RESOLVED (every hidden test passes). The episode is over.",
    ]
    assert len(fake.requests) == 5
    assert fake.bodies[0]["messages"][0]["content"].startswith("You are debugging a Python program in the debugbox sandbox.")
