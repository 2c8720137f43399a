"""The OpenEnv examples against a real `debugbox serve-openenv`: the seeds-shaped inference script with
the scripted OpenAI-compatible endpoint as its model (the exact log), and the TRL GRPO rollout path
with a scripted policy (no GPU, no weights)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from client_examples import trl_grpo
from tests.fake_openai import FakeOpenAI, call, status, text
from tests.openenv_helpers import ROOT, openenv_server

TASK = "binary_search_off_by_one"
FIX = {"start_line": 14, "end_line": 14, "new_code": "    while lo <= hi:"}
MODEL = "scripted-model"


@pytest.fixture(scope="module")
def url():
    with openenv_server("--backend", "local") as (_, base_url):
        yield base_url


def run_inference(env_url: str, fake: FakeOpenAI, **extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "API_BASE_URL": fake.base_url,
        "MODEL_NAME": MODEL,
        "HF_TOKEN": "test-key",
        "ENV_BASE_URL": env_url,
        "TASKS": TASK,
        **extra,
    }
    env.pop("LOCAL_IMAGE_NAME", None)
    script = ROOT / "client_examples" / "openenv_inference.py"
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env)


def test_the_inference_script_prints_the_exact_log(url):
    script = [call("view_code", start_line=13, end_line=15), call("replace_lines", **FIX), call("run_tests"), call("submit")]
    with FakeOpenAI(script) as fake:
        result = run_inference(url, fake)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        f"[START] task={TASK} env=debugbox model={MODEL}",
        "[STEP] step=1 action=view_code(start_line=13,end_line=15) reward=0.00 done=false error=null",
        '[STEP] step=2 action=replace_lines(start_line=14,end_line=14,new_code="    while lo <= hi:") reward=0.00 done=false error=null',
        "[STEP] step=3 action=run_tests() reward=0.20 done=false error=null",
        "[STEP] step=4 action=submit() reward=0.80 done=true error=null",
        "[END] success=true steps=4 score=1.00 rewards=0.00,0.00,0.20,0.80",
    ]
    first = fake.bodies[0]
    assert first["model"] == MODEL and fake.requests[0]["headers"]["authorization"] == "Bearer test-key"
    assert {t["function"]["name"] for t in first["tools"]} >= {"view_code", "replace_lines", "run_tests", "submit"}


def test_the_inference_script_submits_when_out_of_calls_and_reports_errors(url):
    script = [call("replace_text", path="nope.py", old_text="a", new_text="b"), text("thinking..."), call("run_tests")]
    with FakeOpenAI(script) as fake:
        result = run_inference(url, fake, MAX_STEPS="2")
    lines = result.stdout.splitlines()
    assert lines[1].startswith("[STEP] step=1 action=replace_text(") and "error=path 'nope.py' is not a file" in lines[1]
    assert lines[2] == "[STEP] step=2 action=run_tests() reward=0.00 done=false error=null"
    assert lines[3] == "[STEP] step=3 action=submit() reward=0.00 done=true error=null"
    assert lines[4] == "[END] success=false steps=3 score=0.00 rewards=0.00,0.00,0.00"


def test_the_inference_script_always_prints_end(url):
    with FakeOpenAI([]) as fake:
        unreachable = run_inference("http://127.0.0.1:9", fake)
    assert unreachable.stdout.splitlines() == [f"[START] task={TASK} env=debugbox model={MODEL}", "[END] success=false steps=0 score=0.00 rewards="]
    with FakeOpenAI([call("view_code"), status(400)]) as fake:  # the model endpoint refuses mid-episode
        broken = run_inference(url, fake)
    lines = broken.stdout.splitlines()
    assert lines[0].startswith("[START]") and lines[-1].startswith("[END] success=false steps=1 ")


def scripted_policy(replies: list[dict]):
    """A policy in place of the model: the next reply each turn, with made-up token ids."""
    queue = list(replies)

    def generate(messages):
        reply = json.dumps(queue.pop(0)) if queue else "no more ideas"
        return trl_grpo.Turn(reply, prompt_ids=[1, 2, 3], completion_ids=[len(messages)] * 2, logprobs=[-0.5] * 2)

    return generate


def test_the_trl_rollout_path_plays_episodes_with_a_scripted_policy(url):
    solve = [
        {"tool": "view_code", "arguments": {}},
        {"tool": "replace_lines", "arguments": FIX},
        {"tool": "run_tests", "arguments": {}},
        {"tool": "submit", "arguments": {}},
    ]
    out = trl_grpo.rollout_batch(url, [TASK], scripted_policy(solve))
    assert out["env_reward"] == [pytest.approx(1.0)]
    assert out["prompt_ids"] == [[1, 2, 3]] and len(out["completion_ids"][0]) == 8 and len(out["logprobs"][0]) == 8
    assert trl_grpo.reward_from_env(["x"], env_reward=out["env_reward"]) == [pytest.approx(1.0)]
    # A policy that never calls a tool: the rollout submits for it, the untouched code scores 0.
    idle = trl_grpo.rollout_batch(url, [TASK, "no_such_task"], scripted_policy([]), max_turns=3)
    assert idle["env_reward"] == [0.0, 0.0] and len(idle["completion_ids"][0]) == 6
