"""Snippets: a window of a field's text around the first match, matched words in [brackets]."""

from __future__ import annotations


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(set(spans)):
        if start < last:
            continue  # overlapping spans: the first wins
        out.append(text[last:start])
        out.append(f"[{text[start:end]}]")
        last = end
    out.append(text[last:])
    return "".join(out)


def snippet(text: str, spans: list[tuple[int, int]], width: int = 80) -> str:
    """At most about `width` characters of `text` around its first span, cut at word edges,
    with "..." where text was left out."""
    if not spans:
        return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " ..."
    spans = sorted(set(spans))
    first_start = spans[0][0]
    lo = max(0, first_start - width // 3)
    if lo > 0:
        space = text.find(" ", lo)
        lo = space + 1 if 0 <= space < first_start else lo
    hi = min(len(text), lo + width)
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > spans[0][1] else hi
    inside = [(s - lo, e - lo) for s, e in spans if s >= lo and e <= hi]
    body = mark(text[lo:hi], inside)
    return ("... " if lo > 0 else "") + body + (" ..." if hi < len(text) else "")
