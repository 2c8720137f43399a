"""The office's booking rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from roomsched.errors import PolicyViolation
from roomsched.timeutil import Span


@dataclass(frozen=True)
class Policy:
    opens: time = time(8, 0)
    closes: time = time(19, 0)
    max_length: timedelta = timedelta(hours=4)
    min_notice: timedelta = timedelta(0)
    buffer: timedelta = timedelta(0)  # kept free between two meetings in a room
    weekends: bool = False
    granularity_minutes: int = 5

    def check(self, span: Span, now: datetime | None = None) -> None:
        if span.start.date() != (span.end - timedelta(microseconds=1)).date():
            raise PolicyViolation("one day", f"{span} spans midnight")
        if not self.weekends and span.start.weekday() >= 5:
            raise PolicyViolation("weekdays", f"{span.start:%A %Y-%m-%d} is a weekend day")
        if span.start.time() < self.opens or span.end.time() > self.closes or (span.end.time() == time(0) and self.closes != time(0)):
            raise PolicyViolation("opening hours", f"{span} is outside {self.opens:%H:%M}-{self.closes:%H:%M}")
        if span.duration > self.max_length:
            raise PolicyViolation("maximum length", f"{span.minutes} minutes is longer than {int(self.max_length.total_seconds() // 60)}")
        for moment in (span.start, span.end):
            if moment.minute % self.granularity_minutes or moment.second:
                raise PolicyViolation("granularity", f"times must be on a {self.granularity_minutes}-minute mark, not {moment:%H:%M:%S}")
        if now is not None and span.start - now < self.min_notice:
            raise PolicyViolation("notice", f"bookings need {self.min_notice} notice")

    def guarded(self, span: Span) -> Span:
        """The span plus the buffer on both sides: what must be free of other meetings."""
        return span.padded(self.buffer, self.buffer) if self.buffer else span

    def day_window(self, day) -> Span:
        return Span(datetime.combine(day, self.opens), datetime.combine(day, self.closes))
