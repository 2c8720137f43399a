"""One episode's page: the task, every step (the model's words, the call, the result, reward and
budget), the final diff, visible and hidden results at submit, time and tokens. Input: an ATIF
trajectory as debugbox writes it (environment/trajectory.py, harness/trajectories.py); any other
ATIF file shows its steps, without the debugbox facts it lacks.

No script: the page must open from disk anywhere. Long episodes stay fast because each step is laid
out only when scrolled near (content-visibility) and long results scroll inside their own box.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html import escape
from typing import Any

from harness.viewer.text import block

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: .2rem 0; } h2 { font-size: 1.1rem; margin-top: 1.6rem; border-bottom: 1px solid #ddd; }
a { color: #1565c0; } .meta { color: #555; } .note { color: #666; font-size: .9em; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .8rem; font-weight: 600; font-size: .85em; }
.resolved { background: #e8f5e9; color: #1b5e20; } .unresolved { background: #ffebee; color: #b71c1c; } .neutral { background: #eee; color: #333; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; } th, td { border-bottom: 1px solid #eee; padding: .2rem .6rem; text-align: left; }
th { background: #f6f6f6; } td.num { text-align: right; }
pre { background: #fafafa; border: 1px solid #e4e4e4; border-radius: 4px; padding: .5rem .7rem; overflow: auto; max-height: 32em; margin: .3rem 0;
      font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre; }
pre.task { white-space: pre-wrap; max-height: none; background: #fff; }
.step { border: 1px solid #ddd; border-left: 4px solid #90a4ae; border-radius: 4px; padding: .4rem .8rem; margin: .7rem 0;
        content-visibility: auto; contain-intrinsic-size: auto 220px; }
.step.err { border-left-color: #e53935; background: #fff8f8; } .step.skip { border-left-color: #bdbdbd; opacity: .75; }
.step.submit { border-left-color: #43a047; } .step.user { border-left-color: #7e57c2; }
.step header { display: flex; flex-wrap: wrap; gap: .8rem; align-items: baseline; }
.step header .tool { font-weight: 700; font-family: ui-monospace, monospace; } .step header .spacer { flex: 1; }
.rpos { color: #2e7d32; font-weight: 600; } .rneg { color: #c62828; font-weight: 600; } .rzero { color: #777; }
.errtag { background: #e53935; color: #fff; border-radius: 3px; padding: 0 .35rem; font-size: .8em; font-weight: 700; }
.message { white-space: pre-wrap; margin: .3rem 0; } details.reasoning summary { color: #6a1b9a; cursor: pointer; }
.args { margin: .2rem 0; font-family: ui-monospace, monospace; font-size: 12.5px; } .args .k { color: #6a1b9a; }
.dadd { background: #e6ffec; color: #116329; display: inline-block; min-width: 100%; } .ddel { background: #ffebe9; color: #82071e; display: inline-block; min-width: 100%; }
.dhunk { color: #0550ae; } .dfile { color: #555; font-weight: 600; } .fail { background: #ffebee; color: #b71c1c; font-weight: 600; }
.pass { color: #2e7d32; font-weight: 600; } .warn { color: #e65100; font-weight: 600; } .ln { color: #9e9e9e; user-select: none; }
nav.steps { font-size: .85em; line-height: 1.9; } nav.steps a { text-decoration: none; padding: 0 .2rem; border-radius: 3px; }
nav.steps a.err { background: #ffcdd2; } nav.steps a.submit { background: #c8e6c9; }
"""


def _facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    return dict(doc.get("extra") or {})


def _reward(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return ""
    css = "rpos" if value > 0.0005 else "rneg" if value < -0.0005 else "rzero"
    return f"<span class={css} title=reward>reward {value:+.2f}</span>"


def _args(arguments: Mapping[str, Any]) -> str:
    parts = []
    for name, value in arguments.items():
        if isinstance(value, str) and ("\n" in value or len(value) > 80):
            parts.append(f"<div><span class=k>{escape(name)}</span> =</div>{block(value, 'arg')}")
        else:
            shown = json.dumps(value, ensure_ascii=False)
            parts.append(f"<div><span class=k>{escape(name)}</span> = {escape(shown)}</div>")
    return f"<div class=args>{''.join(parts)}</div>" if parts else ""


def _step(step: Mapping[str, Any]) -> str:
    extra = step.get("extra") or {}
    step_id = step["step_id"]
    if step.get("source") != "agent":
        label = "start_task" if extra.get("tool") == "start_task" else step.get("source", "")
        return (
            f"<article class='step user' id=s{step_id}><header><a href=#s{step_id}>#{step_id}</a>"
            f"<span class=tool>{escape(str(label))}</span><span class=note>what the agent was given</span></header>"
            f"{block(str(step.get('message') or ''))}</article>"
        )
    calls = step.get("tool_calls") or []
    results = {r.get("source_call_id"): r.get("content") for r in (step.get("observation") or {}).get("results", [])}
    tool = calls[0]["function_name"] if calls else "(no call)"
    ok, skipped = extra.get("ok", True), extra.get("skipped", False)
    css = "skip" if skipped else "err" if not ok else "submit" if tool == "submit" or extra.get("done") else ""
    head = [f"<a href=#s{step_id}>#{step_id}</a>", f"<span class=tool>{escape(tool)}</span>"]
    if skipped:
        head.append("<span class=errtag>NOT RUN</span>")
    elif not ok:
        head.append("<span class=errtag>ERROR</span> <span class=note>no step charged</span>")
    head.append("<span class=spacer></span>")
    head.append(_reward(extra.get("reward")))
    if extra.get("step") is not None:
        left = "episode over" if extra.get("done") else f"{extra.get('steps_remaining')} left"
        head.append(f"<span class=note>step {extra['step']} · {escape(left)}</span>")
    if extra.get("duration_ms") is not None:
        head.append(f"<span class=note>{extra['duration_ms']:.0f} ms</span>")
    metrics = step.get("metrics") or {}
    if metrics:
        head.append(f"<span class=note>{metrics.get('prompt_tokens') or 0}+{metrics.get('completion_tokens') or 0} tokens</span>")
    body = []
    if step.get("message"):
        body.append(f"<div class=message>{escape(str(step['message']))}</div>")
    if step.get("reasoning_content"):
        body.append(f"<details class=reasoning><summary>reasoning</summary><div class=message>{escape(step['reasoning_content'])}</div></details>")
    for call in calls:
        body.append(_args(call.get("arguments") or {}))
        result = results.get(call.get("tool_call_id"))
        if result is not None:
            body.append(block(result if isinstance(result, str) else json.dumps(result, indent=1)))
    return f"<article class='step {css}' id=s{step_id}><header>{''.join(head)}</header>{''.join(body)}</article>"


def _nav(steps: list[Mapping[str, Any]]) -> str:
    links = []
    for step in steps:
        extra = step.get("extra") or {}
        calls = step.get("tool_calls") or []
        name = calls[0]["function_name"] if calls else "start"
        css = "err" if extra.get("ok") is False else "submit" if name == "submit" else ""
        links.append(f"<a class='{css}' href=#s{step['step_id']} title='{escape(name)}'>{step['step_id']}</a>")
    return f"<nav class=steps>Steps: {' '.join(links)}</nav>"


def _last_visible_run(steps: list[Mapping[str, Any]]) -> str | None:
    for step in reversed(steps):
        for call in step.get("tool_calls") or []:
            if call.get("function_name") == "run_tests" and (step.get("extra") or {}).get("ok", True):
                for result in (step.get("observation") or {}).get("results", []):
                    found = re.search(r"Tests Passed: (\d+)/(\d+)", str(result.get("content") or ""))
                    if found:
                        return f"{found[1]}/{found[2]} at step #{step['step_id']}"
    return None


def _outcome(facts: Mapping[str, Any], steps: list[Mapping[str, Any]]) -> str:
    sub = facts.get("submission") or {}
    visible = _last_visible_run(steps) or "no full run"
    rows = [("Visible tests (last run)", escape(visible))]
    if sub:
        rate = sub.get("hidden_pass_rate")
        if rate is None and sub.get("hidden_total"):
            rate = sub["hidden_passed"] / sub["hidden_total"]
        rows += [
            ("Score", f"{sub.get('score', 0):.2f}" + (" (untouched code)" if sub.get("untouched") else "")),
            ("Hidden: fixed", f"{sub.get('fixed')} of {sub.get('fail_to_pass')} the original fails (F)"),
            ("Hidden: broken", f"{sub.get('broken')} of {sub.get('pass_to_pass')} the original passes (P)"),
            ("Hidden: raw pass rate", f"{sub.get('hidden_passed')}/{sub.get('hidden_total')}" + (f" ({rate:.0%})" if rate is not None else "")),
        ]
    else:
        rows.append(("Hidden tests", "not scored"))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table id=outcome>{body}</table>"


def render_episode(doc: Mapping[str, Any], *, back: str | None = None) -> str:
    facts = _facts(doc)
    steps = list(doc.get("steps") or [])
    task = str(facts.get("task_id") or doc.get("session_id") or "episode")
    title = f"{task} · {facts.get('title') or ''}".rstrip(" ·")
    resolved = facts.get("resolved")
    verdict = (
        "<span class='badge resolved'>RESOLVED</span>" if resolved else "<span class='badge unresolved'>Not resolved</span>" if resolved is False else "<span class='badge neutral'>not scored</span>"
    )
    metrics = doc.get("final_metrics") or {}
    tokens = (
        f"{(metrics.get('total_prompt_tokens') or 0) + (metrics.get('total_completion_tokens') or 0):,} tokens "
        f"({metrics.get('total_prompt_tokens') or 0:,} prompt, {metrics.get('total_completion_tokens') or 0:,} completion)"
        if metrics.get("total_prompt_tokens") is not None or metrics.get("total_completion_tokens") is not None
        else "tokens not reported"
    )
    duration = facts.get("duration_s")
    meta = [
        f"difficulty {escape(str(facts.get('difficulty') or '–'))}",
        f"stop: {escape(str(facts.get('stop_reason') or facts.get('end_reason') or '–'))}",
        f"steps {facts.get('steps_used', '–') if 'steps_used' in facts else '–'} of {facts.get('max_steps', '–')}",
        f"{(metrics.get('extra') or {}).get('tool_calls', len(steps) - 1)} calls",
        f"{duration:.1f} s" if isinstance(duration, (int, float)) else "",
        tokens,
        f"agent {escape(str((doc.get('agent') or {}).get('name', '')))}" + (f" · model {escape(str(doc['agent']['model_name']))}" if (doc.get("agent") or {}).get("model_name") else ""),
        f"episode {escape(str(facts.get('episode_id') or doc.get('session_id') or ''))}",
    ]
    description = facts.get("description")
    diff = facts.get("final_diff")
    back_link = f"<p><a href='{escape(back)}'>← all episodes</a></p>" if back else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>
{back_link}<h1 id=title>{escape(title)} {verdict}</h1>
<p class=meta id=meta>{' · '.join(m for m in meta if m)}</p>
<h2>Task</h2>
{f"<pre class=task id=task>{escape(str(description))}</pre>" if description else "<p class=note>See step #1.</p>"}
<h2>Outcome at submit</h2>
{_outcome(facts, steps)}
<h2>Final diff against the original</h2>
{block(diff, "out diff") if diff else "<p class=note id=nodiff>" + ("No change: the code was submitted as the task gave it." if diff == "" else "Not recorded (the episode had not ended when this was written).") + "</p>"}
<h2>Steps</h2>
{_nav(steps)}
<div id=steps>{''.join(_step(s) for s in steps)}</div>
</body></html>
"""
