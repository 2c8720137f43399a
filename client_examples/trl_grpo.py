"""Train a model on debugbox episodes with TRL's GRPO trainer, over OpenEnv.

The rollout path (`rollout_func`) plays one debugbox episode per prompt: the model writes one tool
call per turn as JSON, `{"tool": "run_tests", "arguments": {}}`, the environment answers, and the
episode's reward (shaped rewards add up to the submit's score, DESIGN.md) is handed to the trainer
as `env_reward`, which `reward_from_env` returns. The tests run this path with a scripted policy
in place of the model (no GPU, no weights); training itself is run like this (documented, not run
in CI):

    pip install "trl[vllm]" datasets                  # a GPU machine
    debugbox serve-openenv --backend docker &          # or: docker run -p 8000:8000 debugbox-openenv:latest
    python client_examples/trl_grpo.py --model Qwen/Qwen2.5-0.5B-Instruct --env-url http://127.0.0.1:8000

Each dataset row's prompt is a task id (the catalog's easy tasks by default); GRPO's group of
generations for one prompt plays the same task several times, and their rewards are compared.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import harness  # noqa: F401 - installed with the debugbox package
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.openenv_client import DebugboxEnv, EnvError

SYSTEM = (
    "You fix a buggy Python program in the debugbox sandbox. Reply with exactly one tool call per turn, as JSON: "
    '{"tool": NAME, "arguments": {...}}. Tools: view_code(path?, start_line?, end_line?), replace_lines(start_line, '
    "end_line, new_code, path?), replace_text(path, old_text, new_text), run_tests(), run_python(code), undo(), submit(). "
    "Call submit when the visible tests pass."
)
CALL = re.compile(r"\{.*\}", re.DOTALL)


@dataclass
class Turn:
    text: str  # what the model wrote
    prompt_ids: list[int] = field(default_factory=list)
    completion_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)


# generate(messages) -> Turn: the model (TRL's vLLM generation while training; a script in the tests).
Generate = Callable[[list[dict[str, str]]], Turn]


@dataclass
class Rollout:
    task_id: str
    turns: list[Turn]
    rewards: list[float]
    score: float
    resolved: bool

    @property
    def reward(self) -> float:
        return sum(self.rewards)


def parse_call(text: str) -> tuple[str, dict[str, Any]] | None:
    match = CALL.search(text)
    if not match:
        return None
    try:
        call = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    if not isinstance(call, dict) or not isinstance(call.get("tool"), str) or not isinstance(call.get("arguments", {}), dict):
        return None
    return call["tool"], call.get("arguments", {})


def play_episode(env: DebugboxEnv, generate: Generate, task_id: str, max_turns: int = 20) -> Rollout:
    """One episode: the model's turns until done or max_turns (then submit, so the score is real)."""
    obs = env.reset(task_id=task_id)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": obs.text}]
    turns: list[Turn] = []
    rewards: list[float] = []
    done = False
    while not done and len(turns) < max_turns:
        turn = generate(messages)
        turns.append(turn)
        messages.append({"role": "assistant", "content": turn.text})
        call = parse_call(turn.text)
        if call is None:
            messages.append({"role": "user", "content": 'Reply with one tool call as JSON: {"tool": NAME, "arguments": {...}}.'})
            continue
        obs, reward, done = env.step(call)
        rewards.append(reward)
        messages.append({"role": "user", "content": obs.error["message"] if obs.error else obs.text})
    if not done:
        obs, reward, done = env.step(("submit", {}))
        rewards.append(reward)
    return Rollout(task_id, turns, rewards, float(obs.metadata.get("score") or 0.0), bool(obs.metadata.get("resolved")))


def rollout_batch(env_url: str, prompts: list[str], generate: Generate, max_turns: int = 20, token: str | None = None) -> dict[str, list]:
    """What TRL's rollout_func returns: token ids and logprobs per prompt, and `env_reward` for the
    reward function. A multi-turn episode's completion is its turns' completions end to end."""
    out: dict[str, list] = {"prompt_ids": [], "completion_ids": [], "logprobs": [], "env_reward": []}
    with DebugboxEnv(env_url, token=token) as env:
        for task_id in prompts:
            try:
                rollout = play_episode(env, generate, task_id.strip(), max_turns)
            except EnvError as exc:  # a task the server does not have: no reward, and say so
                print(f"episode {task_id!r} failed: {exc}", file=sys.stderr)
                rollout = Rollout(task_id, [Turn("")], [], 0.0, False)
            out["prompt_ids"].append(rollout.turns[0].prompt_ids if rollout.turns else [])
            out["completion_ids"].append([i for t in rollout.turns for i in t.completion_ids])
            out["logprobs"].append([p for t in rollout.turns for p in t.logprobs])
            out["env_reward"].append(rollout.reward)
    return out


def reward_from_env(completions: list, **kwargs: Any) -> list[float]:
    """GRPO reward function: the episode's reward that rollout_func measured."""
    return [float(r) for r in kwargs.get("env_reward", [0.0] * len(completions))]


def make_rollout_func(env_url: str, max_turns: int = 20) -> Callable:
    """TRL's `rollout_func(prompts, trainer)`, generating with the trainer's vLLM engine."""

    def rollout_func(prompts: list[str], trainer) -> dict[str, list]:
        from trl.experimental.openenv import generate_rollout_completions

        tokenizer = trainer.processing_class

        def generate(messages: list[dict[str, str]]) -> Turn:
            prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            out = generate_rollout_completions(trainer, [prompt])[0]
            return Turn(out["text"], out["prompt_ids"], out["completion_ids"], out["logprobs"])

        return rollout_batch(env_url, prompts, generate, max_turns)

    return rollout_func


def main() -> int:  # pragma: no cover - needs a GPU, TRL and model weights
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B-Instruct")
    parser.add_argument("--env-url", default="http://127.0.0.1:8000")
    parser.add_argument("--tasks", default="", help="comma-separated task ids (default: the easy tasks)")
    parser.add_argument("--output-dir", default="debugbox-grpo")
    args = parser.parse_args()

    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    tasks = [t for t in args.tasks.split(",") if t]
    if not tasks:
        with DebugboxEnv(args.env_url) as env:
            tasks = [t["task_id"] for t in env.call("list_tasks", difficulty="easy").structured["tasks"]]
    config = GRPOConfig(output_dir=args.output_dir, use_vllm=True, vllm_mode="colocate", num_generations=4, max_completion_length=512)
    trainer = GRPOTrainer(
        model=args.model,
        reward_funcs=[reward_from_env],
        train_dataset=Dataset.from_dict({"prompt": tasks * 8}),
        args=config,
        rollout_func=make_rollout_func(args.env_url),
    )
    trainer.train()
    return 0


if __name__ == "__main__":
    sys.exit(main())
