"""Free time: the gaps between busy spans inside a window."""

from __future__ import annotations

from datetime import timedelta

from roomsched.timeutil import Span


def merge(spans: list[Span]) -> list[Span]:
    """Busy spans merged where they touch or overlap, in order."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


def gaps(busy: list[Span], window: Span) -> list[Span]:
    """The parts of the window no busy span covers."""
    free, cursor = [], window.start
    for span in merge(busy):
        if span.end <= window.start or span.start >= window.end:
            continue
        if span.start > cursor:
            free.append(Span(cursor, min(span.start, window.end)))
        cursor = max(cursor, span.end)
    if cursor < window.end:
        free.append(Span(cursor, window.end))
    return free


def free_slots(busy: list[Span], window: Span, minutes: int) -> list[Span]:
    """Gaps at least `minutes` long."""
    wanted = timedelta(minutes=minutes)
    return [gap for gap in gaps(busy, window) if gap.duration >= wanted]


def common_free(busy_by_room: dict[str, list[Span]], window: Span, minutes: int) -> list[Span]:
    """Gaps when every one of the rooms (or people) is free."""
    everything = [span for spans in busy_by_room.values() for span in spans]
    return free_slots(everything, window, minutes)


def first_fit(free: list[Span], minutes: int) -> Span | None:
    wanted = timedelta(minutes=minutes)
    for gap in free:
        if gap.duration >= wanted:
            return Span(gap.start, gap.start + wanted)
    return None
