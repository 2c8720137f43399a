"""The graph as Graphviz DOT, for `taskgraph graph | dot -Tsvg`."""

from __future__ import annotations

from taskgraph.graph import Graph

TAG_COLOURS = {"build": "lightblue", "test": "palegreen", "lint": "khaki", "docs": "plum"}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Graph, highlight: set[str] | None = None) -> str:
    """Jobs as boxes coloured by their first known tag; an edge from each job to what it needs
    points the way data flows (need -> job). Highlighted jobs are drawn bold."""
    highlight = highlight or set()
    lines = ["digraph taskgraph {", "  rankdir=LR;", "  node [shape=box, style=filled, fillcolor=white];"]
    for name in sorted(graph.jobs):
        job = graph.jobs[name]
        colour = next((TAG_COLOURS[t] for t in sorted(job.tags) if t in TAG_COLOURS), "white")
        attrs = [f"fillcolor={colour}", f"tooltip={_quote(job.command)}"]
        if name in highlight:
            attrs.append("penwidth=3")
        lines.append(f"  {_quote(name)} [{', '.join(attrs)}];")
    for name in sorted(graph.jobs):
        for need in sorted(graph.jobs[name].needs):
            lines.append(f"  {_quote(need)} -> {_quote(name)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
