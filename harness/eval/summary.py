"""The summary of a run, from its recorded lines: what summary.json holds and what the CLI prints.

Only the planned episodes count (task x try of this run); each is represented by its final line
(recorder.final_by_key). Episodes that ended in a system error after every retry are reported
apart and left out of the rates: they measure the infrastructure, not the solver.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.eval import metrics
from harness.eval.outcome import episode_key
from harness.eval.recorder import final_by_key
from tasks.model import DIFFICULTIES


def _raw_rates(lines: Sequence[Mapping[str, Any]]) -> list[float]:
    """The raw hidden pass rates of scored lines (lines written before they were recorded have none)."""
    return [float(line["hidden_pass_rate"]) for line in lines if line.get("hidden_pass_rate") is not None]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _group(lines_by_task: Mapping[str, list[Mapping[str, Any]]], task_ids: Iterable[str], n_tries: int) -> dict[str, Any]:
    """Rates and pass@k over the given tasks, from their scored lines."""
    played = {tid: lines_by_task[tid] for tid in task_ids if lines_by_task.get(tid)}
    rates = [sum(bool(line["resolved"]) for line in lines) / len(lines) for lines in played.values()]
    scores = [[float(line["score"]) for line in lines] for lines in played.values()]
    raw_rates = [_raw_rates(lines) for lines in played.values()]
    outcomes = [(len(lines), sum(bool(line["resolved"]) for line in lines)) for lines in played.values()]
    pass_at = {}
    for k in metrics.ks_to_report(n_tries):
        value, used = metrics.mean_pass_at_k(outcomes, k)
        pass_at[str(k)] = {"value": value, "tasks": used}
    return {
        "tasks": len(played),
        "episodes": sum(len(lines) for lines in played.values()),
        "resolved_episodes": sum(c for _, c in outcomes),
        "resolved_rate": metrics.rate_over_tasks(rates).as_dict(),
        "mean_score": metrics.mean_over_tasks(scores).as_dict(),
        # The raw hidden pass rate, beside the score: it also counts the tests the original passed.
        "mean_hidden_pass_rate": metrics.mean_over_tasks(raw_rates).as_dict(),
        "pass_at_k": pass_at,
    }


def _stop_key(line: Mapping[str, Any]) -> str:
    if line["outcome"] == "system_error":
        return f"error:{line['error']['kind']}"
    return line["stop_reason"]


def _fractions(counts: Counter[str]) -> dict[str, dict[str, float | int]]:
    total = sum(counts.values())
    return {key: {"count": n, "fraction": n / total} for key, n in sorted(counts.items())} if total else {}


def _latencies(lines: Iterable[Mapping[str, Any]]) -> tuple[list[float], dict[str, list[float]]]:
    every: list[float] = []
    by_tool: dict[str, list[float]] = defaultdict(list)
    for line in lines:
        for step in line.get("steps") or []:
            if step.get("latency_ms") is not None and not step.get("skipped"):
                every.append(step["latency_ms"])
                by_tool[step["tool"]].append(step["latency_ms"])
    return every, dict(by_tool)


def _tokens(lines: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    reported = [line["tokens"] for line in lines if line.get("tokens")]
    if not reported:
        return None
    totals = {name: sum(int(t.get(name, 0)) for t in reported) for name in ("prompt", "completion", "total")}
    return {"episodes_reporting": len(reported), **totals, "total_per_episode": metrics.distribution([t.get("total", 0) for t in reported])}


def _task_rows(tasks: Sequence[Mapping[str, Any]], keys_by_task: Mapping[str, list[str]], final: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for task in tasks:
        lines = [final[k] for k in keys_by_task[task["task_id"]] if k in final]
        scored = [line for line in lines if line["outcome"] == "scored"]
        split = next(((line.get("fail_to_pass"), line.get("pass_to_pass")) for line in reversed(scored) if line.get("fail_to_pass") is not None), (None, None))
        rows.append(
            {
                "task_id": task["task_id"],
                "difficulty": task["difficulty"],
                "tags": list(task["tags"]),
                "tries": len(keys_by_task[task["task_id"]]),
                "scored": len(scored),
                "resolved": sum(bool(line["resolved"]) for line in scored),
                "mean_score": sum(line["score"] for line in scored) / len(scored) if scored else None,
                "mean_hidden_pass_rate": _mean(_raw_rates(scored)),
                "fail_to_pass": split[0],  # |F| and |P|: the hidden tests the original fails and passes
                "pass_to_pass": split[1],
                "mean_steps": sum(line["n_steps"] for line in scored) / len(scored) if scored else None,
                "stop_reasons": dict(sorted(Counter(_stop_key(line) for line in lines).items())),
                "system_errors": sum(1 for line in lines if line["outcome"] == "system_error"),
                "missing": len(keys_by_task[task["task_id"]]) - len(lines),
            }
        )
    return rows


def reward_mode(lines: Iterable[Mapping[str, Any]]) -> str | None:
    """The server's reward mode as start_task reported it: one mode, "mixed (...)" when a resumed run
    met servers with different modes, None when no episode started."""
    modes = sorted({line["reward_mode"] for line in lines if line.get("reward_mode")})
    if len(modes) > 1:
        return f"mixed ({', '.join(modes)})"
    return modes[0] if modes else None


def build_summary(run: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]], n_tries: int, lines: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`tasks`: the planned tasks as {task_id, difficulty, tags}; `lines`: every recorded line."""
    keys_by_task = {t["task_id"]: [episode_key(t["task_id"], i) for i in range(n_tries)] for t in tasks}
    planned = {k for keys in keys_by_task.values() for k in keys}
    attempts = [line for line in lines if line["key"] in planned]
    final = final_by_key(attempts)
    finals = [final[k] for keys in keys_by_task.values() for k in keys if k in final]
    scored = [line for line in finals if line["outcome"] == "scored"]
    errored = [line for line in finals if line["outcome"] == "system_error"]
    by_task: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for line in scored:
        by_task[line["task_id"]].append(line)

    difficulties = sorted({t["difficulty"] for t in tasks}, key=lambda d: (DIFFICULTIES.index(d) if d in DIFFICULTIES else 99, d))
    tags = sorted({tag for t in tasks for tag in t["tags"]})
    latencies, by_tool = _latencies(scored)
    system_attempts = [line for line in attempts if line["outcome"] == "system_error"]
    failed_keys = {line["key"] for line in system_attempts}
    return {
        "run": dict(run),
        "reward_mode": reward_mode(attempts),
        "episodes": {
            "planned": len(planned),
            "scored": len(scored),
            "system_errors": len(errored),
            "missing": len(planned) - len(finals),
            "attempts": len(attempts),
        },
        "overall": _group(by_task, [t["task_id"] for t in tasks], n_tries),
        "by_difficulty": {d: _group(by_task, [t["task_id"] for t in tasks if t["difficulty"] == d], n_tries) for d in difficulties},
        "by_tag": {tag: _group(by_task, [t["task_id"] for t in tasks if tag in t["tags"]], n_tries) for tag in tags},
        "stop_reasons": _fractions(Counter(_stop_key(line) for line in finals)),
        "system_errors": {
            "final_by_kind": dict(sorted(Counter(line["error"]["kind"] for line in errored).items())),
            "attempts_by_kind": dict(sorted(Counter(line["error"]["kind"] for line in system_attempts).items())),
            "retried_then_scored": sum(1 for line in scored if line["key"] in failed_keys),
            "examples": [{"key": line["key"], **line["error"]} for line in errored[:20]],
        },
        "steps": metrics.distribution([line["n_steps"] for line in scored]),
        "step_latency_ms": {**metrics.distribution(latencies), "by_tool": {tool: metrics.distribution(v) for tool, v in sorted(by_tool.items())}},
        "episode_duration_s": metrics.distribution([line["duration_s"] for line in scored]),
        "tokens": _tokens(scored),
        "tasks": _task_rows(tasks, keys_by_task, final),
    }


# -- the printed summary -------------------------------------------------------------------


def format_pct(value: float | None, missing: str = "-") -> str:
    return missing if value is None else f"{100 * value:.1f}%"


def format_estimate(est: Mapping[str, Any], percent: bool = True, missing: str = "-", interval: str = "[{low}, {high}]") -> str:
    """The value, then its 95% interval where there is one (interval: how the report shows it)."""
    if est["value"] is None:
        return missing
    show = (lambda v: format_pct(v, missing)) if percent else (lambda v: f"{v:.2f}")
    if est["low"] is None:
        return show(est["value"])
    return f"{show(est['value'])} " + interval.format(low=show(est["low"]), high=show(est["high"]))


_pct = format_pct
_estimate = format_estimate


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _group_line(name: str, group: Mapping[str, Any]) -> str:
    passes = " ".join(f"pass@{k}={_pct(v['value'])}" for k, v in list(group["pass_at_k"].items())[:5] if v["value"] is not None)
    return (
        f"  {name:<24} {group['tasks']:>3} tasks {group['episodes']:>4} episodes  resolved {_estimate(group['resolved_rate'])}"
        f"  score {_estimate(group['mean_score'], percent=False)}  raw hidden pass rate {_estimate(group['mean_hidden_pass_rate'], percent=False)}  {passes}"
    )


def format_summary(summary: Mapping[str, Any]) -> str:
    run, ep = summary["run"], summary["episodes"]
    model = f" model={run['model']}" if run.get("model") else ""
    lines = [
        f"debugbox eval: solver={run['solver']}{model} tasks={len(summary['tasks'])} tries={run['n_tries']} -> {run['out']}",
        f"episodes: {ep['scored']} scored, {ep['system_errors']} system errors (after retries), {ep['missing']} not played, "
        f"{ep['attempts']} attempts in all",
        f"reward mode: {summary.get('reward_mode') or '-'}",
        "score: (fail-to-pass tests fixed - pass-to-pass tests broken) / fail-to-pass, at least 0 (untouched code: 0); "
        "raw hidden pass rate: hidden tests passing, including those the original already passed",
        "95% intervals: resolved rate by Wilson over tasks, mean score and raw hidden pass rate by bootstrap over tasks",
        _group_line("overall", summary["overall"]),
    ]
    lines += [_group_line(f"difficulty {d}", g) for d, g in summary["by_difficulty"].items()]
    lines.append("pass@k: " + " ".join(f"k={k}: {_pct(v['value'])} ({v['tasks']} tasks)" for k, v in summary["overall"]["pass_at_k"].items()))
    lines.append("stop reasons: " + (", ".join(f"{k} {_pct(v['fraction'])}" for k, v in summary["stop_reasons"].items()) or "-"))
    errors = summary["system_errors"]
    if errors["attempts_by_kind"]:
        lines.append(
            f"system errors: attempts {dict(errors['attempts_by_kind'])}, final {dict(errors['final_by_kind'])}, "
            f"retried then scored {errors['retried_then_scored']}"
        )
    lines += [f"  {line}" for line in left_after_retries(summary)]
    steps, lat = summary["steps"], summary["step_latency_ms"]
    lines.append(f"steps per episode: mean {_num(steps['mean'])} p50 {_num(steps['p50'])} p90 {_num(steps['p90'])} max {_num(steps['max'], 0)}")
    lines.append(f"step latency (ms): p50 {_num(lat['p50'])} p90 {_num(lat['p90'])} p99 {_num(lat['p99'])} max {_num(lat['max'])} over {lat['count']} calls")
    if summary["tokens"]:
        t = summary["tokens"]
        lines.append(f"tokens: {t['total']} ({t['prompt']} prompt, {t['completion']} completion) over {t['episodes_reporting']} episodes")
    return "\n".join(lines)


def left_after_retries(summary: Mapping[str, Any], shown: int = 5, chars: int = 300) -> list[str]:
    """The episodes still in a system error after every retry, each with what it said (a task whose
    environment cannot be built names its package there), then how many more there are."""
    errors = summary["system_errors"]
    examples = errors.get("examples") or []
    lines = [f"{e['key']} ({e['kind']}): {' '.join(str(e.get('message') or '-').split())[:chars]}" for e in examples[:shown]]
    more = summary["episodes"]["system_errors"] - len(lines)
    if more > 0:
        lines.append(f"... and {more} more (episodes.jsonl has every message)")
    return lines
