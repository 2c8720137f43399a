"""report.html: a self-contained page (inline CSS and SVG, no script, nothing fetched) with the
summary table, what the score and the raw hidden pass rate mean, the tables by difficulty and tag,
the charts, the per-task table and the filterable list of episodes, which link to their pages in
episodes/ beside it (harness/viewer): the run directory opens from disk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from harness.eval.charts import all_charts
from harness.eval.episodes_table import episode_links, episodes_section
from harness.eval.summary import format_estimate, format_pct, left_after_retries

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #666; } table { border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #eee; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num { text-align: right; } .ok { color: #2e7d32; } .bad { color: #c62828; } .err { color: #ef6c00; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure.chart { margin: 0; flex: 1 1 480px; }
figure.chart svg { max-width: 100%; height: auto; } figcaption { color: #666; font-size: .9em; }
.note { color: #666; font-size: .9em; }
"""


SCORES_NOTE = """<p class=note id=scores-explained><b>Score and raw hidden pass rate.</b> A task's hidden tests split by
what its original code does: the ones it fails (fail-to-pass, F) and the ones it already passes (pass-to-pass, P).
The <b>score</b> counts only what the agent changed: (F tests fixed − P tests broken) / |F|, at least 0, so untouched
code scores 0. The <b>raw hidden pass rate</b> is the share of all hidden tests that pass, including the ones the
original already passed: untouched code gets |P| / (|F| + |P|) for free, so it is higher than the score whenever P is
not empty. <b>Resolved</b> means every hidden test passes (score 1). The task table's F/P column gives |F| and |P|.</p>"""


def _pct(value: float | None) -> str:
    return format_pct(value, missing="–")


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _estimate(est: Mapping[str, Any], percent: bool = True) -> str:
    return format_estimate(est, percent, missing="–", interval="<span class=note>[{low}, {high}]</span>")


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """Cells are HTML already (callers escape text)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    thead = f"<thead><tr>{head}</tr></thead>" if any(headers) else ""
    body = "".join(
        "<tr>" + "".join(f"<td class=num>{c}</td>" if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _summary_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    ep, overall = summary["episodes"], summary["overall"]
    steps, latency = summary["steps"], summary["step_latency_ms"]
    rows = [
        ("Episodes", f"{ep['scored']} scored, {ep['system_errors']} system errors after retries, {ep['missing']} not played ({ep['attempts']} attempts)"),
        ("Resolved rate", _estimate(overall["resolved_rate"]) + f" over {overall['tasks']} tasks"),
        ("Reward mode", escape(str(summary.get("reward_mode") or "–"))),
        ("Mean score", _estimate(overall["mean_score"], percent=False)),
        ("Mean raw hidden pass rate", _estimate(overall["mean_hidden_pass_rate"], percent=False)),
        ("pass@k", ", ".join(f"pass@{k} {_pct(v['value'])}" for k, v in overall["pass_at_k"].items() if v["value"] is not None) or "–"),
        ("Stop reasons", ", ".join(f"{escape(k)} {_pct(v['fraction'])} ({v['count']})" for k, v in summary["stop_reasons"].items()) or "–"),
        ("Steps per episode", f"mean {_num(steps['mean'])}, p50 {_num(steps['p50'])}, p90 {_num(steps['p90'])}, max {_num(steps['max'], 0)}"),
        ("Step latency", f"p50 {_num(latency['p50'])} ms, p90 {_num(latency['p90'])} ms, p99 {_num(latency['p99'])} ms over {latency['count']} calls"),
    ]
    errors = summary["system_errors"]
    if errors["attempts_by_kind"]:
        attempts = ", ".join(f"{escape(k)} {n}" for k, n in errors["attempts_by_kind"].items())
        final = ", ".join(f"{escape(k)} {n}" for k, n in errors["final_by_kind"].items()) or "none"
        rows.append(("System errors", f"attempts: {attempts}; left after retries: {final}; retried then scored: {errors['retried_then_scored']}"))
        if left := left_after_retries(summary, shown=20):
            rows.append(("Left after retries", "<br>".join(escape(line) for line in left)))
    if summary["tokens"]:
        t = summary["tokens"]
        rows.append(("Tokens", f"{t['total']} ({t['prompt']} prompt, {t['completion']} completion) over {t['episodes_reporting']} episodes"))
    return rows


def _group_rows(groups: Mapping[str, Mapping[str, Any]], ks: Sequence[str]) -> list[list[str]]:
    return [
        [
            escape(name),
            str(g["tasks"]),
            str(g["episodes"]),
            _estimate(g["resolved_rate"]),
            _estimate(g["mean_score"], percent=False),
            _estimate(g["mean_hidden_pass_rate"], percent=False),
        ]
        + [_pct(g["pass_at_k"][k]["value"]) for k in ks]
        for name, g in groups.items()
    ]


def _task_rows(summary: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], pages: Mapping[str, str]) -> list[list[str]]:
    rows = []
    for t in summary["tasks"]:
        css = "ok" if t["scored"] and t["resolved"] == t["scored"] else ("bad" if t["scored"] else "err")
        stops = ", ".join(f"{escape(k)} {n}" for k, n in t["stop_reasons"].items())
        rows.append(
            [
                f"<span class={css}>{escape(t['task_id'])}</span>",
                escape(t["difficulty"]),
                escape(", ".join(t["tags"])),
                f"{t['resolved']}/{t['scored']}",
                _num(t["mean_score"], 2),
                _num(t.get("mean_hidden_pass_rate"), 2),
                "–" if t.get("fail_to_pass") is None else f"{t['fail_to_pass']}/{t['pass_to_pass']}",
                _num(t["mean_steps"]),
                stops or "–",
                str(t["system_errors"]),
                str(t["missing"]),
                episode_links(t["task_id"], lines, pages),
            ]
        )
    return rows


def render_report(
    summary: Mapping[str, Any],
    scored_lines: Sequence[Mapping[str, Any]],
    final_lines: Sequence[Mapping[str, Any]] = (),
    pages: Mapping[str, str] | None = None,
) -> str:
    """`final_lines`: each planned episode's final line; `pages`: `task#try` -> its page (harness/viewer)."""
    pages = pages or {}
    run = summary["run"]
    title = f"debugbox eval: {run['solver']}" + (f" ({run['model']})" if run.get("model") else "")
    ks = list(summary["overall"]["pass_at_k"])[:6]
    group_headers = ["group", "tasks", "episodes", "resolved rate [95%]", "mean score [95%]", "raw hidden pass rate [95%]", *[f"pass@{k}" for k in ks]]
    charts = "".join(
        f'<figure class=chart id="chart-{escape(chart_id)}">{svg}<figcaption>{escape(caption)}</figcaption></figure>'
        for chart_id, (caption, svg) in all_charts(summary, scored_lines).items()
    )
    meta = (
        f"{len(summary['tasks'])} tasks × {run['n_tries']} tries · concurrency {run.get('concurrency')} · "
        f"server {escape(str(run.get('server')))} · rewards {escape(str(summary.get('reward_mode') or '–'))} · started {escape(str(run.get('started_at')))} · output {escape(str(run.get('out')))}"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class=meta>{meta}</p>
<h2>Summary</h2>
{_table([], [(f"<b>{name}</b>", value) for name, value in _summary_rows(summary)])}
{SCORES_NOTE}
<p class=note>95% intervals: the resolved rate by a Wilson score interval over tasks, the mean score and the mean raw
hidden pass rate by a percentile bootstrap over tasks (2,000 resamples). pass@k uses the unbiased estimator 1 − C(n−c, k)/C(n, k) per task,
averaged over the tasks with at least k scored tries. Episodes that ended in a system error after every retry are
left out of the rates and counted apart.</p>
<h2>By difficulty</h2>
{_table(group_headers, _group_rows(summary["by_difficulty"], ks), numeric=range(1, len(group_headers)))}
<h2>Charts</h2>
<div class=charts>{charts}</div>
<h2>Tasks</h2>
{_table(["task", "difficulty", "tags", "resolved", "mean score", "raw hidden pass rate", "F/P", "mean steps", "stop reasons", "system errors", "not played", "episodes"], _task_rows(summary, final_lines, pages), numeric=(3, 4, 5, 6, 7, 9, 10))}
<h2 id=episodes>Episodes</h2>
<p class=note>Each episode opens a page with every step: the model's words, the call, the result, reward and budget, the final diff and the hidden results at submit.</p>
{episodes_section(final_lines, pages)}
<h2>By tag</h2>
{_table(group_headers, _group_rows(summary["by_tag"], ks), numeric=range(1, len(group_headers)))}
</body></html>
"""
