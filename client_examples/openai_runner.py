"""Run debugbox tasks with any OpenAI-compatible model, printing one line per event on stdout:

    [START] task=<task_id> env=debugbox model=<model>
    [STEP] step=<n> action=<tool(compact args)> reward=<0.00> done=<true|false> error=<msg|null>
    [END] success=<true|false> steps=<n> score=<0.00> rewards=<r1,r2,...,rn>

Everything else (the model's text, retries, summaries) goes to stderr. `reward` is the call's reward
(shaped mode: a full run_tests pays the change of the visible pass rate, so it can be negative; a
tool error, such as a call that would change nothing, pays 0.00 and costs no step); `score` is the
submission's score: hidden tests the original fails that now pass, minus those it passed that now
fail, over the ones it fails (untouched code scores 0); `success` is true when every hidden test passes.
The model's system message is the server's solve_task prompt plus the episode's rules: step costs,
the score, the server's reward mode and this runner's limits.

    export API_BASE_URL=https://router.huggingface.co/v1 MODEL_NAME=Qwen/Qwen2.5-72B-Instruct HF_TOKEN=...
    python client_examples/openai_runner.py --task binary_search_off_by_one
    python client_examples/openai_runner.py --server-url http://127.0.0.1:8000/mcp --task a --task b

Without --server-url it spawns `debugbox serve` over stdio. When the model stops, a kill switch
fires (3 replies without a usable call, or the same call 3 times in a row; a successful undo does not
count as a repeat) or --max-steps is reached before it submitted, the runner calls submit itself
(logged as a [STEP]) so the score is real. When the task's own step budget runs out, the server
submits with the last call (its [STEP] says done=true) and the runner has nothing left to submit. Exit status: 0 when every episode ran (resolved or not), 1 when an
episode failed (model endpoint down, connection lost), 2 on a configuration error (flags, model
name, credentials).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import anyio

try:
    import harness  # noqa: F401 - installed with the debugbox package
except ImportError:  # run from a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.client import DebugboxClient
from harness.episode_log import compact_action, end_line, one_line, start_line, step_line
from harness.episode_runner import EpisodeRecord, EpisodeRunner
from harness.openai_policy import OpenAIPolicy, OpenAISettings
from harness.policy import PolicyConfigError, Step

log = logging.getLogger("openai_runner")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def emit(line: str) -> None:
    print(line, flush=True)


def report_step(number: int, step: Step) -> None:
    outcome = step.outcome
    emit(
        step_line(
            number,
            compact_action(step.call.name, step.call.arguments),
            outcome.reward,
            outcome.done,
            outcome.text if outcome.is_error else None,
        )
    )
    log.debug("result of step %d:\n%s", number, outcome.text)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Solve debugbox tasks with an OpenAI-compatible model over MCP.")
    p.add_argument("tasks", nargs="*", metavar="TASK_ID", help="task ids to run (or use --task)")
    p.add_argument("--task", action="append", default=[], metavar="TASK_ID", help="a task id (repeatable)")
    p.add_argument("--server-url", help="a running server's Streamable HTTP URL (http://HOST:PORT/mcp; default: spawn one over stdio); its bearer token, if any, in $DEBUGBOX_AUTH_TOKEN")
    p.add_argument("--backend", choices=["auto", "docker", "local"], help="sandbox backend of the spawned server")
    p.add_argument("--tasks-dir", action="append", default=[], metavar="DIR", help="an extra task pack for the spawned server (repeatable)")
    p.add_argument("--max-steps", type=int, default=30, help="the model's tool calls per episode (default 30; the task's own budget also applies)")
    p.add_argument("--model", help="model name (default: $MODEL_NAME)")
    p.add_argument("--api-base-url", help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1 (default: $API_BASE_URL)")
    p.add_argument("--api-key", help="API key (default: $HF_TOKEN, $API_KEY or $OPENAI_API_KEY, the first one set)")
    p.add_argument("--temperature", type=float)
    p.add_argument("--max-retries", type=int, default=5, help="retries of a model request on 429, 5xx and connection errors")
    p.add_argument("--retry-delay", type=float, default=1.0, help="first retry delay in seconds; doubles on every retry")
    p.add_argument("--trajectory-dir", type=Path, metavar="DIR", help="write each episode as ATIF JSON here (DIR/<task>__<n>.json; `debugbox view FILE` shows it)")
    p.add_argument("-v", "--verbose", action="store_true", help="tool results and debug detail on stderr")
    return p


async def run(task_ids: list[str], args: argparse.Namespace, settings: OpenAISettings) -> int:
    client = DebugboxClient.http(args.server_url) if args.server_url else DebugboxClient.stdio(args.backend, args.tasks_dir)
    status = EXIT_OK
    try:
        async with client:
            runner = EpisodeRunner(client, max_steps=args.max_steps, on_step=report_step, keep_trajectory=args.trajectory_dir is not None)
            for index, task_id in enumerate(task_ids):
                record = EpisodeRecord(task_id)
                emit(start_line(task_id, settings.model))
                policy = OpenAIPolicy(settings)
                lost = False
                try:
                    await runner.play(task_id, policy, record)
                except Exception as exc:  # noqa: BLE001 - the [END] line must follow, whatever broke
                    record.error = describe(exc)
                    lost = True
                except BaseException as exc:  # cancelled (the connection broke) or interrupted
                    record.error = f"interrupted ({type(exc).__name__})"
                    raise
                finally:
                    emit(end_line(record.resolved, len(record.steps), record.score, record.rewards))
                    _summarize(record, policy)
                    if args.trajectory_dir is not None and record.episode_id is not None:
                        _write_trajectory(args.trajectory_dir, index, record, policy)
                if record.error:
                    log.error("%s: %s", task_id, record.error)
                    status = max(status, EXIT_CONFIG if record.config_error else EXIT_FAILED)
                if lost or record.config_error:
                    if index < len(task_ids) - 1:
                        log.error("not running the remaining tasks")
                    break
    except Exception as exc:  # noqa: BLE001 - connecting failed, or the connection broke on close
        log.error("debugbox server %s: %s", client.description, describe(exc))
        return max(status, EXIT_FAILED)
    return status


def _write_trajectory(directory: Path, index: int, record: EpisodeRecord, policy: OpenAIPolicy) -> None:
    from harness import trajectories  # only with --trajectory-dir

    tokens = {"prompt": 0, "completion": 0}
    for note in policy.step_notes().values():
        tokens["prompt"] += note.get("prompt_tokens") or 0
        tokens["completion"] += note.get("completion_tokens") or 0
    doc = trajectories.build(
        record, agent="debugbox-openai-runner", model=policy.settings.model, notes=policy.step_notes(), tokens=tokens, facts={"try": index, "stop_reason": record.stop_reason}
    )
    path = directory / trajectories.file_name(record.task_id, index)
    trajectories.write(path, doc)
    log.info("trajectory: %s", path)


def describe(exc: BaseException) -> str:
    """The innermost errors of an exception group (anyio task groups wrap a lost connection)."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in exc.exceptions)
    return one_line(f"{type(exc).__name__}: {exc}", 500)


def _summarize(record: EpisodeRecord, policy: OpenAIPolicy) -> None:
    s = policy.stats
    log.info(
        "%s: %s; stop: %s%s; error: %s; %d steps, %d tool errors; model requests %d, retries %d, unparseable replies %d, malformed calls %d",
        record.task_id,
        "RESOLVED" if record.resolved else f"score {record.score:.2f}",
        record.stop_reason or "-",
        " (runner submitted)" if record.auto_submitted else "",
        record.error or "-",
        len(record.steps),
        record.tool_errors,
        s.requests,
        s.retries,
        s.unparseable_replies,
        s.malformed_calls,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "mcp", "openai"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    task_ids = [*args.task, *args.tasks]
    if not task_ids:
        parser.print_usage(sys.stderr)
        print("error: name at least one task (TASK_ID or --task); `debugbox tasks list` shows them", file=sys.stderr)
        return EXIT_CONFIG
    if args.max_steps < 1 or args.max_retries < 0 or args.retry_delay < 0:
        print("error: --max-steps must be >= 1, --max-retries and --retry-delay >= 0", file=sys.stderr)
        return EXIT_CONFIG
    try:
        settings = OpenAISettings.from_env(
            model=args.model,
            base_url=args.api_base_url,
            api_key=args.api_key,
            temperature=args.temperature,
            max_retries=args.max_retries,
            retry_base_delay_s=args.retry_delay,
        )
    except PolicyConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return anyio.run(run, task_ids, args, settings)


if __name__ == "__main__":
    sys.exit(main())
