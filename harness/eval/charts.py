"""The report's charts, drawn by matplotlib as inline SVG: no JavaScript, no CDN, nothing to fetch,
so report.html opens offline in any browser. Figures are built without pyplot (no global state)
and with a fixed SVG id salt and no date, so the same run renders the same file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # never a GUI backend: reports are rendered on servers and in CI

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

RC = {"svg.hashsalt": "debugbox-eval", "svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
SCORE_COLOR, RESOLVED_COLOR, FAILED_COLOR = "#4C72B0", "#55A868", "#C44E52"
RAW_RATE_COLOR = "#8C8C8C"  # the raw hidden pass rate: grey, context for the score beside it


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: drop the XML prolog and DOCTYPE


def _figure(width: float = 6.4, height: float = 3.2) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


def _empty(fig: Figure, message: str) -> str:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    return _svg(fig)


def _errors(estimates: Sequence[Mapping[str, Any]]) -> list[list[float]]:
    # max(0, ...): rounding can put a bound a hair inside its value, and matplotlib rejects that.
    below = [max(0.0, e["value"] - e["low"]) if e["low"] is not None else 0.0 for e in estimates]
    above = [max(0.0, e["high"] - e["value"]) if e["high"] is not None else 0.0 for e in estimates]
    return [below, above]


def score_by_difficulty(summary: Mapping[str, Any]) -> str:
    """Mean score, mean raw hidden pass rate and resolved rate per difficulty (and overall), with
    their 95% intervals."""
    groups = {**summary["by_difficulty"], "overall": summary["overall"]}
    groups = {name: g for name, g in groups.items() if g["tasks"]}
    with matplotlib.rc_context(RC):
        fig = _figure()
        if not groups:
            return _empty(fig, "no scored episodes")
        ax = fig.add_subplot()
        names = list(groups)
        xs = range(len(names))
        width = 0.27
        scores = [groups[n]["mean_score"] for n in names]
        raw = [groups[n]["mean_hidden_pass_rate"] for n in names]
        rates = [groups[n]["resolved_rate"] for n in names]
        ax.bar([x - width for x in xs], [e["value"] or 0 for e in scores], width, yerr=_errors(scores), capsize=3, color=SCORE_COLOR, label="mean score")
        if any(e["value"] is not None for e in raw):
            ax.bar(list(xs), [e["value"] or 0 for e in raw], width, yerr=_errors(raw), capsize=3, color=RAW_RATE_COLOR, label="raw hidden pass rate")
        ax.bar([x + width for x in xs], [e["value"] or 0 for e in rates], width, yerr=_errors(rates), capsize=3, color=RESOLVED_COLOR, label="resolved rate")
        ax.set_xticks(list(xs), [f"{n}\n({groups[n]['tasks']} tasks)" for n in names])
        ax.set_ylim(0, 1.25)  # room above the bars for the legend
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_ylabel("fraction (95% interval)")
        ax.set_title("Score by difficulty")
        ax.legend(loc="upper center", ncols=3, frameon=False)
        return _svg(fig)


def steps_distribution(lines: Sequence[Mapping[str, Any]]) -> str:
    """Steps per scored episode, resolved and not resolved stacked."""
    resolved = [line["n_steps"] for line in lines if line["resolved"]]
    failed = [line["n_steps"] for line in lines if not line["resolved"]]
    with matplotlib.rc_context(RC):
        fig = _figure()
        if not lines:
            return _empty(fig, "no scored episodes")
        ax = fig.add_subplot()
        top = max(resolved + failed)
        bins = [b - 0.5 for b in range(0, top + 2)] if top <= 60 else 30
        ax.hist([resolved, failed], bins=bins, stacked=True, color=[RESOLVED_COLOR, FAILED_COLOR], label=["resolved", "not resolved"])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("tool calls in the episode")
        ax.set_ylabel("episodes")
        ax.set_title("Steps per episode")
        ax.legend(frameon=False)
        return _svg(fig)


def step_latency(lines: Sequence[Mapping[str, Any]]) -> str:
    """Latency of every tool call, one box per tool, on a log scale."""
    by_tool: dict[str, list[float]] = {}
    for line in lines:
        for step in line.get("steps") or []:
            if step.get("latency_ms") is not None and not step.get("skipped"):
                by_tool.setdefault(step["tool"], []).append(max(step["latency_ms"], 0.01))
    with matplotlib.rc_context(RC):
        fig = _figure(height=max(2.4, 0.45 * len(by_tool) + 1.2))
        if not by_tool:
            return _empty(fig, "no tool calls recorded")
        ax = fig.add_subplot()
        tools = sorted(by_tool)
        ax.boxplot([by_tool[t] for t in tools], orientation="horizontal", tick_labels=[f"{t} ({len(by_tool[t])})" for t in tools], showfliers=True)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))  # 1-2-5 labels: latencies span little
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("latency per call (ms, log scale)")
        ax.set_title("Step latency by tool")
        return _svg(fig)


def all_charts(summary: Mapping[str, Any], scored_lines: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """chart id -> (caption, inline SVG)."""
    return {
        "score-by-difficulty": ("Mean score, raw hidden pass rate and resolved rate by difficulty, with 95% intervals", score_by_difficulty(summary)),
        "steps-distribution": ("Tool calls per scored episode", steps_distribution(scored_lines)),
        "step-latency": ("Latency of each tool call (scored episodes)", step_latency(scored_lines)),
    }
