"""Solve debugbox tasks over OpenEnv with any OpenAI-compatible model: the OpenEnv inference script
shape. One line per event on stdout, exactly:

    [START] task=<task_id> env=debugbox model=<model>
    [STEP] step=<n> action=<tool(compact args)> reward=<0.00> done=<true|false> error=<msg|null>
    [END] success=<true|false> steps=<n> score=<0.00> rewards=<r1,r2,...,rn>

`[END]` is printed for every task, whatever happened. Everything else goes to stderr.

Configuration (environment variables):
    API_BASE_URL      the OpenAI-compatible endpoint (default https://router.huggingface.co/v1)
    MODEL_NAME        the model (default Qwen/Qwen2.5-72B-Instruct)
    HF_TOKEN          the key (API_KEY and OPENAI_API_KEY are tried too)
    LOCAL_IMAGE_NAME  an OpenEnv image (`debugbox image build-openenv`) started with from_docker_image;
                      without it, ENV_BASE_URL (default http://127.0.0.1:8000) names a running
                      `debugbox serve-openenv`
    TASKS             comma-separated task ids (default: one easy task picked by seed 0)
    MAX_STEPS         model calls per task before the script submits for it (default 30)

    LOCAL_IMAGE_NAME=debugbox-openenv:latest MODEL_NAME=... HF_TOKEN=... python client_examples/openenv_inference.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from openai import OpenAI

try:
    import harness  # noqa: F401 - installed with the debugbox package
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.episode_log import compact_action, end_line, start_line, step_line
from harness.openenv_client import DebugboxEnv, EnvError

API_BASE_URL = os.getenv("API_BASE_URL", "https://router.huggingface.co/v1")
MODEL_NAME = os.getenv("MODEL_NAME", "Qwen/Qwen2.5-72B-Instruct")
API_KEY = os.getenv("HF_TOKEN") or os.getenv("API_KEY") or os.getenv("OPENAI_API_KEY") or "no-key"
LOCAL_IMAGE_NAME = os.getenv("LOCAL_IMAGE_NAME")
ENV_BASE_URL = os.getenv("ENV_BASE_URL", "http://127.0.0.1:8000")
TASKS = [t.strip() for t in os.getenv("TASKS", "").split(",") if t.strip()]
MAX_STEPS = int(os.getenv("MAX_STEPS", "30"))

SYSTEM = (
    "You are debugging a Python program in the debugbox sandbox. Read the code (view_code), run the visible tests "
    "(run_tests), fix the code (replace_text or replace_lines), and call submit when the visible tests pass: hidden tests "
    "score it. Each call that does something costs one step; errors cost none. Reply with exactly one tool call."
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def openai_tools(tools: list[dict]) -> list[dict]:
    return [{"type": "function", "function": {"name": t["name"], "description": t["description"], "parameters": t["input_schema"]}} for t in tools]


def play(env: DebugboxEnv, model: OpenAI, task: str | None) -> None:
    rewards: list[float] = []
    steps, score, success, done, label = 0, 0.0, False, False, task or "seed:0"
    print(start_line(label, MODEL_NAME), flush=True)
    try:
        obs = env.reset(task_id=task) if task else env.reset(seed=0, difficulty="easy")
        tools = openai_tools(env.list_tools())
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": obs.text}]
        while not done and steps < MAX_STEPS:
            reply = model.chat.completions.create(model=MODEL_NAME, messages=messages, tools=tools)
            message = reply.choices[0].message
            messages.append(message.model_dump(exclude_none=True))
            if not message.tool_calls:
                messages.append({"role": "user", "content": "Reply with exactly one tool call."})
                continue
            for tool_call in message.tool_calls[:1]:
                name = tool_call.function.name
                try:
                    arguments = json.loads(tool_call.function.arguments or "{}")
                except json.JSONDecodeError:
                    arguments = None
                if not isinstance(arguments, dict):
                    messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": "Arguments must be a JSON object."})
                    continue
                obs, reward, done = env.step((name, arguments))
                steps += 1
                rewards.append(reward)
                error = obs.error["message"] if obs.error else None
                print(step_line(steps, compact_action(name, arguments), reward, done, error), flush=True)
                messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": error or obs.text})
        if not done:  # out of calls: submit so that the score is real
            obs, reward, done = env.step(("submit", {}))
            steps += 1
            rewards.append(reward)
            print(step_line(steps, compact_action("submit", {}), reward, done, obs.error["message"] if obs.error else None), flush=True)
        score = float(obs.metadata.get("score") or 0.0)
        success = bool(obs.metadata.get("resolved"))
    except (EnvError, Exception) as exc:  # [END] is printed whatever happened
        log(f"episode {label} failed: {type(exc).__name__}: {exc}")
    finally:
        print(end_line(success, steps, score, rewards), flush=True)


def main() -> int:
    model = OpenAI(base_url=API_BASE_URL, api_key=API_KEY)
    try:
        env = DebugboxEnv.from_docker_image(LOCAL_IMAGE_NAME) if LOCAL_IMAGE_NAME else DebugboxEnv(ENV_BASE_URL, token=os.getenv("DEBUGBOX_TOKEN"))
    except Exception as exc:  # no environment: each task still gets its [START] and [END]
        log(f"cannot reach the environment: {type(exc).__name__}: {exc}")
        for task in TASKS or [None]:
            print(start_line(task or "seed:0", MODEL_NAME), flush=True)
            print(end_line(False, 0, 0.0, []), flush=True)
        return 1
    try:
        for task in TASKS or [None]:
            play(env, model, task)
    finally:
        env.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
