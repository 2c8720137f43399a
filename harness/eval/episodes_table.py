"""The report's episode list: every planned episode with its outcome and a link to its page,
filtered by resolved or not, stop reason, task and difficulty without a script: each filter is a
group of radio buttons, and CSS (:has) hides the rows that do not match the checked ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

GROUPS = (("res", "resolved"), ("stop", "stop reason"), ("task", "task"), ("diff", "difficulty"))


def _resolved(line: Mapping[str, Any]) -> str:
    if line.get("outcome") != "scored":
        return "error"
    return "yes" if line.get("resolved") else "no"


def _values(line: Mapping[str, Any]) -> dict[str, str]:
    return {"res": _resolved(line), "stop": str(line.get("stop_reason") or "error"), "task": str(line["task_id"]), "diff": str(line.get("difficulty") or "")}


def episode_links(task_id: str, lines: Sequence[Mapping[str, Any]], pages: Mapping[str, str]) -> str:
    """The tries of one task as links to their pages, marked resolved or not (for the task table)."""
    links = []
    for line in sorted((l for l in lines if l["task_id"] == task_id), key=lambda l: l.get("try", 0)):
        page = pages.get(f"{task_id}#{line.get('try')}")
        mark = {"yes": "✓", "no": "✗", "error": "!"}[_resolved(line)]
        label = f"#{line.get('try')} {mark}"
        links.append(f"<a href='{escape(page)}'>{escape(label)}</a>" if page else escape(label))
    return " ".join(links) or "–"


def episodes_section(lines: Sequence[Mapping[str, Any]], pages: Mapping[str, str]) -> str:
    rows = sorted(lines, key=lambda l: (l["task_id"], l.get("try", 0)))
    options = {group: sorted({_values(l)[group] for l in rows}) for group, _ in GROUPS}
    ids = {group: {value: f"f-{group}-{i}" for i, value in enumerate(values)} for group, values in options.items()}
    css, filters = [], []
    for group, label in GROUPS:
        radios = [f"<label><input type=radio name=f-{group} id=f-{group}-all checked> all</label>"]
        for value, input_id in ids[group].items():
            radios.append(f"<label><input type=radio name=f-{group} id={input_id}> {escape(value)}</label>")
            css.append(f"body:has(#{input_id}:checked) tr.ep:not(.{input_id}) {{ display: none; }}")
        filters.append(f"<div class=filter><b>{escape(label)}</b> {' '.join(radios)}</div>")
    body = []
    for line in rows:
        values = _values(line)
        classes = " ".join(["ep", *(ids[group][values[group]] for group, _ in GROUPS)])
        page = pages.get(f"{line['task_id']}#{line.get('try')}")
        link = f"<a href='{escape(page)}'>open</a>" if page else "<span class=note>no trajectory</span>"
        css_class = {"yes": "ok", "no": "bad", "error": "err"}[values["res"]]
        tokens = (line.get("tokens") or {}).get("total")
        body.append(
            f"<tr class='{classes}'><td>{link}</td><td>{escape(values['task'])}</td><td class=num>{line.get('try')}</td>"
            f"<td>{escape(values['diff'])}</td><td class={css_class}>{escape(values['res'])}</td>"
            f"<td class=num>{'–' if line.get('score') is None else format(line['score'], '.2f')}</td><td>{escape(values['stop'])}</td>"
            f"<td class=num>{line.get('n_steps', '–')}</td><td class=num>{format(line.get('duration_s') or 0, '.1f')}</td>"
            f"<td class=num>{'–' if tokens is None else tokens}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("episode", "task", "try", "difficulty", "resolved", "score", "stop reason", "calls", "seconds", "tokens"))
    return (
        f"<style>.filter {{ margin: .2rem 0; }} .filter label {{ margin-right: .6rem; }}\n{chr(10).join(css)}</style>"
        f"<div id=filters>{''.join(filters)}</div>"
        f"<table id=episode-list><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
