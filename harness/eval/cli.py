"""`debugbox eval`: many tasks x many tries with one solver, recorded, summarized and reported.

    debugbox eval --solver oracle --tasks easy,medium --n-tries 3 --concurrency 4 --out runs/oracle
    debugbox eval --solver openai --model Qwen/Qwen2.5-72B-Instruct --tasks all --n-tries 5 --out runs/qwen
    debugbox eval --solver noop --server-url http://127.0.0.1:8000/mcp

Without --server-url it spawns `debugbox serve --transport http` once, shared by every episode.
Running the same command again with the same --out resumes: finished episodes are skipped.
Exit status: 0 when every planned episode was scored (resolved or not), 1 when some episode still
had a system error after every retry, 2 on a configuration error, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio

from harness.client import DebugboxClient
from harness.eval.evaluator import EvalSettings, Evaluator, SolverConfigError, plan_jobs
from harness.eval.outcome import SCHEMA_VERSION
from harness.eval.recorder import REPORT_FILE, SERVER_LOG, SUMMARY_FILE, Recorder, RunConflict, attempts_by_key, final_by_key
from harness.eval.selection import Selection, SelectionError, select_tasks
from harness.eval.server_process import ExternalServer, ServerStartError, SpawnedServer
from harness.eval.solvers import BaseSolver, solver_class, solver_names
from harness.eval.summary import build_summary, format_summary
from harness.policy import PolicyConfigError
from harness.viewer.run_pages import TRAJECTORY_DIR, write_episode_pages

log = logging.getLogger("debugbox.eval")

REWARD_MODES = ("shaped", "sparse")  # DESIGN.md, Scoring and rewards
EXIT_OK, EXIT_SYSTEM_ERRORS, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130
NOISY_LOGGERS = ("httpx", "httpx2", "mcp", "openai", "harness.episode_runner")


def add_eval_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "eval",
        help="evaluate a solver on many tasks x many tries",
        description="Play every selected task K times with a solver, record each episode, and write summary.json and report.html.",
    )
    p.add_argument("--solver", required=True, choices=solver_names(), help="who plays the episodes")
    p.add_argument(
        "--tasks",
        action="append",
        default=[],
        metavar="SPEC",
        help="task ids, easy|medium|hard, tag:NAME, all, or a task pack directory; comma-separated or repeated (default: all)",
    )
    p.add_argument("--tasks-dir", action="append", default=[], metavar="DIR", help="an extra task pack to choose from (repeatable)")
    p.add_argument("--n-tries", type=int, default=1, metavar="K", help="episodes per task (default 1)")
    p.add_argument("--concurrency", type=int, default=4, metavar="C", help="episodes at once (default 4)")
    p.add_argument("--out", metavar="DIR", help="run directory; the same one resumes (default: runs/<solver>[-<model>])")
    p.add_argument("--server-url", help="a running server's Streamable HTTP URL (default: spawn one); its bearer token, if any, in $DEBUGBOX_AUTH_TOKEN")
    p.add_argument("--backend", choices=["auto", "docker", "local"], default="auto", help="sandbox backend of the spawned server")
    p.add_argument(
        "--reward",
        choices=REWARD_MODES,
        help="reward mode of the spawned server: shaped (each full run_tests pays the change of the visible pass rate, "
        "submit the rest of the score) or sparse (only submit pays); default: the server's ($DEBUGBOX_REWARD, else shaped). "
        "The mode each episode ran under is recorded from start_task",
    )
    p.add_argument("--retries", type=int, default=2, metavar="R", help="plays again after a system error, per episode (default 2)")
    p.add_argument("--retry-delay", type=float, default=2.0, help="seconds before the first retry; doubles after each (default 2)")
    p.add_argument("--max-steps", type=int, default=30, help="tool calls per episode (default 30; the task's own budget also applies)")
    p.add_argument("--episode-timeout", type=float, default=3600.0, help="seconds one episode may take before it is a system error")
    p.add_argument("--no-progress", action="store_true", help="no live progress bar")
    for name in solver_names():
        solver_class(name).add_arguments(p)
    p.set_defaults(func=run_eval)
    return p


def _default_out(solver: BaseSolver) -> Path:
    name = solver.name + (f"-{solver.model}" if solver.model else "")
    return Path("runs") / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _check_numbers(args: argparse.Namespace) -> None:
    if args.n_tries < 1 or not 1 <= args.concurrency <= 256 or args.retries < 0 or args.max_steps < 1:
        raise ValueError("need --n-tries >= 1, 1 <= --concurrency <= 256, --retries >= 0 and --max-steps >= 1")
    if args.retry_delay < 0 or args.episode_timeout <= 0:
        raise ValueError("need --retry-delay >= 0 and --episode-timeout > 0")
    if args.reward and args.server_url:
        raise ValueError("--reward sets the mode of the server eval spawns; a running server (--server-url) has its own --reward, recorded from start_task")


def _quiet_logs(verbose: bool) -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


def run_eval(args: argparse.Namespace) -> int:
    verbose = bool(getattr(args, "verbose", False))
    _quiet_logs(verbose)
    try:
        _check_numbers(args)
        solver = solver_class(args.solver).from_args(args)
        selection = select_tasks(args.tasks, args.tasks_dir)
    except (ValueError, KeyError, PolicyConfigError) as exc:
        print(f"debugbox eval: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    out = Path(args.out) if args.out else _default_out(solver)
    recorder = Recorder(out)
    run = {
        "schema": SCHEMA_VERSION,
        "solver": solver.name,
        "model": solver.model,
        "tasks": [t.id for t in selection.tasks],
        "n_tries": args.n_tries,
        "concurrency": args.concurrency,
        "retries": args.retries,
        "max_steps": args.max_steps,
        "server": args.server_url or f"spawned (--backend {args.backend})",
        "reward": args.reward,  # asked of the spawned server (None: its default); summary.json's reward_mode is what ran
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "out": str(out),
    }
    try:
        recorder.claim(run)
    except RunConflict as exc:
        print(f"debugbox eval: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return anyio.run(_run, args, solver, selection, recorder, run, verbose)
    except KeyboardInterrupt:
        print(f"debugbox eval: interrupted; run the same command again to resume from {out}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _server(args: argparse.Namespace, selection: Selection, recorder: Recorder) -> ExternalServer | SpawnedServer:
    if args.server_url:
        return ExternalServer(args.server_url)
    extra = []
    if "DEBUGBOX_POOL_SIZE" not in os.environ:
        extra = ["--pool-size", str(max(2, args.concurrency))]  # a warm container for every worker
    if args.reward:
        extra += ["--reward", args.reward]
    return SpawnedServer(recorder.out / SERVER_LOG, backend=args.backend, task_packs=selection.packs, extra_args=extra)


async def _check_server_tasks(url: str, selection: Selection) -> None:
    async with DebugboxClient.http(url) as client:
        listed = await client.call("list_tasks", {})
    served = {t["task_id"] for t in listed.data.get("tasks", [])}
    missing = [t.id for t in selection.tasks if t.id not in served]
    if missing:
        raise SelectionError(f"the server at {url} does not serve {', '.join(missing)} (start it with the same task packs)")


async def _run(args: argparse.Namespace, solver: BaseSolver, selection: Selection, recorder: Recorder, run: dict, verbose: bool) -> int:
    lines = recorder.load()
    final = final_by_key(lines)
    plan = plan_jobs(selection.tasks, args.n_tries)
    done = [final[j.key] for j in plan if final.get(j.key, {}).get("outcome") == "scored"]
    jobs = [j for j in plan if final.get(j.key, {}).get("outcome") != "scored"]
    if done:
        log.info("resuming %s: %d of %d episodes already scored, %d to play", recorder.out, len(done), len(plan), len(jobs))
    from harness.eval.progress import EvalProgress  # rich: only when episodes are played

    status = EXIT_OK
    try:
        if jobs:
            async with _server(args, selection, recorder) as server:
                await _check_server_tasks(await server.ensure(), selection)
                settings = EvalSettings(
                    concurrency=args.concurrency,
                    retries=args.retries,
                    max_steps=args.max_steps,
                    episode_timeout_s=args.episode_timeout,
                    retry_delay_s=args.retry_delay,
                )
                with EvalProgress(len(plan), done=done, enabled=not args.no_progress, verbose=verbose) as progress:
                    evaluator = Evaluator(
                        solver,
                        server,
                        recorder.append,
                        settings,
                        on_attempt=progress.episode_done,
                        prior_attempts=attempts_by_key(lines),
                        trajectory_dir=recorder.out / TRAJECTORY_DIR,
                    )
                    try:
                        await evaluator.run(jobs)
                    except* SolverConfigError as group:
                        print(f"debugbox eval: {group.exceptions[0]}", file=sys.stderr)
                        status = EXIT_CONFIG
                if server.restarts:
                    log.warning("the spawned server was restarted %d time(s); see %s", server.restarts, recorder.out / SERVER_LOG)
    except (SelectionError, ServerStartError) as exc:
        print(f"debugbox eval: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    finally:
        await solver.aclose()
    return _finish(recorder, selection, run, args.n_tries, status)


def _finish(recorder: Recorder, selection: Selection, run: dict, n_tries: int, status: int) -> int:
    from harness.eval.report import render_report  # matplotlib: a second to import, so not for `--help`

    lines = recorder.load()
    pages = write_episode_pages(recorder.out, REPORT_FILE)
    tasks = [{"task_id": t.id, "difficulty": t.spec.difficulty.value, "tags": list(t.spec.tags)} for t in selection.tasks]
    summary = build_summary(run, tasks, n_tries, lines)
    recorder.write_json(SUMMARY_FILE, summary)
    planned = {f"{t['task_id']}#{i}" for t in tasks for i in range(n_tries)}
    final = [line for key, line in final_by_key(lines).items() if key in planned]
    scored = [line for line in final if line["outcome"] == "scored"]
    recorder.write_text(REPORT_FILE, render_report(summary, scored, final, pages))
    print(format_summary(summary))
    print(f"episodes: {recorder.episodes_path}\nsummary: {recorder.out / SUMMARY_FILE}\nreport: {recorder.out / REPORT_FILE}")
    sys.stdout.flush()
    if status:
        return status
    episodes = summary["episodes"]
    return EXIT_SYSTEM_ERRORS if episodes["system_errors"] or episodes["missing"] else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """`python -m harness.eval ...`: the same command without the `debugbox` entry point."""
    parser = argparse.ArgumentParser(prog="debugbox")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (on stderr)")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = [a for a in argv if a in ("-v", "--verbose")]
    rest = [a for a in argv if a not in ("-v", "--verbose")]
    args = parser.parse_args([*verbose[:1], "eval", *(rest[1:] if rest[:1] == ["eval"] else rest)])
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args)
