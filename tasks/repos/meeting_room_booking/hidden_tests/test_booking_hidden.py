from datetime import date, datetime, timedelta

import pytest

from roomsched import BookingConflict, InvalidBooking, PolicyViolation, Span
from roomsched.index import RoomIndex
from roomsched.booking import Booking
from roomsched.recurrence import Recurrence


def test_meeting_starting_inside_another_conflicts(scheduler, day):
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana")
    with pytest.raises(BookingConflict) as info:
        scheduler.book("atlas", f"{day} 10:30", f"{day} 11:30", "ben")
    assert [b.organizer for b in info.value.conflicts] == ["ana"]


def test_meeting_inside_a_long_one_conflicts(scheduler, day):
    scheduler.book("delta", f"{day} 13:00", f"{day} 17:00", "ana", attendees=10)
    for start, end in [("13:30", "14:00"), ("16:55", "17:00"), ("12:00", "13:05")]:
        with pytest.raises(BookingConflict):
            scheduler.book("delta", f"{day} {start}", f"{day} {end}", "ben")


def test_meeting_covering_another_conflicts(scheduler, day):
    scheduler.book("birch", f"{day} 10:00", f"{day} 10:30", "ana")
    with pytest.raises(BookingConflict):
        scheduler.book("birch", f"{day} 09:00", f"{day} 12:00", "ben")


def test_back_to_back_before_and_after(scheduler, day):
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana")
    scheduler.book("atlas", f"{day} 09:00", f"{day} 10:00", "ben")
    scheduler.book("atlas", f"{day} 11:00", f"{day} 12:00", "cy")
    assert [b.organizer for b in scheduler.bookings_on("atlas", day)] == ["ben", "ana", "cy"]


def test_back_to_back_series(scheduler, day):
    rule = Recurrence("daily", count=5)
    scheduler.book_series("cedar", f"{day} 09:00", f"{day} 09:30", rule, "ana", "Standup")
    booked = scheduler.book_series("cedar", f"{day} 09:30", f"{day} 10:00", rule, "ben", "Triage")
    assert len(booked) == 5


def test_series_conflicts_name_every_clash(scheduler, day):
    scheduler.book("cedar", "2024-05-07 08:00", "2024-05-07 12:00", "ana", "Offsite prep")
    scheduler.book("cedar", "2024-05-09 09:00", "2024-05-09 09:30", "ana", "Review")
    with pytest.raises(BookingConflict) as info:
        scheduler.book_series("cedar", f"{day} 09:15", f"{day} 09:45", Recurrence("daily", count=5), "ben")
    assert [b.title for b in info.value.conflicts] == ["Offsite prep", "Review"]
    assert len(scheduler.bookings_on("cedar", "2024-05-08")) == 0


def test_move_into_a_long_meeting_conflicts(scheduler, day):
    scheduler.book("fjord", f"{day} 09:00", f"{day} 12:00", "ana")
    quick = scheduler.book("fjord", f"{day} 14:00", f"{day} 14:30", "ben")
    with pytest.raises(BookingConflict):
        scheduler.move(quick.id, f"{day} 10:00")


def test_move_right_after_another(scheduler, day):
    scheduler.book("fjord", f"{day} 09:00", f"{day} 10:00", "ana")
    quick = scheduler.book("fjord", f"{day} 14:00", f"{day} 14:30", "ben")
    moved = scheduler.move(quick.id, f"{day} 10:00")
    assert str(moved.span) == "2024-05-06 10:00-10:30"


def test_move_earlier_by_a_little_overlapping_itself(scheduler, day):
    meeting = scheduler.book("fjord", f"{day} 10:00", f"{day} 11:00", "ana")
    assert str(scheduler.move(meeting.id, f"{day} 10:30").span) == "2024-05-06 10:30-11:30"


def test_buffer_between_meetings(buffered, day):
    buffered.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana")
    with pytest.raises(BookingConflict):
        buffered.book("atlas", f"{day} 11:05", f"{day} 12:00", "ben")
    with pytest.raises(BookingConflict):
        buffered.book("atlas", f"{day} 09:00", f"{day} 09:55", "cy")
    buffered.book("atlas", f"{day} 11:10", f"{day} 12:00", "ben")
    buffered.book("atlas", f"{day} 08:00", f"{day} 09:50", "cy")


def test_suggest_excludes_busy_rooms(scheduler, day):
    scheduler.book("cedar", f"{day} 10:00", f"{day} 11:00", "ana", attendees=5)
    assert [r.name for r in scheduler.suggest(f"{day} 10:30", f"{day} 11:30", attendees=5)] == ["fjord", "atlas", "delta"]


def test_suggest_includes_room_freed_at_start(scheduler, day):
    scheduler.book("cedar", f"{day} 10:00", f"{day} 11:00", "ana", attendees=5)
    assert [r.name for r in scheduler.suggest(f"{day} 11:00", f"{day} 12:00", attendees=5)][0] == "cedar"
    assert [r.name for r in scheduler.suggest(f"{day} 09:00", f"{day} 10:00", attendees=5)][0] == "cedar"


def test_is_free(scheduler, day):
    scheduler.book("ember", f"{day} 10:00", f"{day} 12:00", "ana")
    assert not scheduler.is_free("ember", Span.parse(f"{day} 11:00", f"{day} 11:30"))
    assert scheduler.is_free("ember", Span.parse(f"{day} 12:00", f"{day} 12:30"))


def test_span_overlap_is_half_open():
    a = Span.parse("2024-05-06 10:00", "2024-05-06 11:00")
    b = Span.parse("2024-05-06 11:00", "2024-05-06 12:00")
    c = Span.parse("2024-05-06 10:59", "2024-05-06 11:01")
    assert not a.overlaps(b) and not b.overlaps(a)
    assert a.overlaps(c) and c.overlaps(b)


def test_index_overlapping_many_lengths():
    index = RoomIndex()
    base = datetime(2024, 5, 6, 8, 0)
    for i, hours in enumerate([3, 1, 1, 2, 1]):
        start = base + timedelta(hours=2 * i)
        index.add(Booking(f"x{i}", "r", Span(start, start + timedelta(hours=hours)), "o"))
    probe = Span(datetime(2024, 5, 6, 10, 30), datetime(2024, 5, 6, 10, 45))
    assert [b.id for b in index.overlapping(probe)] == ["x0", "x1"]
    assert [b.id for b in index.overlapping(Span(datetime(2024, 5, 6, 9, 0), datetime(2024, 5, 6, 10, 0)))] == ["x0"]
    assert [b.id for b in index.overlapping(Span(datetime(2024, 5, 6, 15, 0), datetime(2024, 5, 6, 16, 30)))] == ["x3", "x4"]


# -- unchanged behaviour ---------------------------------------------------------------------


def test_cancel_frees_the_room(scheduler, day):
    meeting = scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana")
    scheduler.cancel(meeting.id)
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ben")
    with pytest.raises(InvalidBooking):
        scheduler.cancel(meeting.id)


def test_cancel_series(scheduler, day):
    booked = scheduler.book_series("atlas", f"{day} 16:00", f"{day} 16:30", Recurrence("weekly", count=3), "ana")
    assert scheduler.cancel_series(booked[0].series) == 3
    assert scheduler.all_bookings() == []


def test_weekly_series_on_weekdays(scheduler, day):
    rule = Recurrence("weekly", count=4, weekdays=("mon", "thu"))
    booked = scheduler.book_series("birch", f"{day} 15:00", f"{day} 15:45", rule, "ana")
    assert [b.span.start.date() for b in booked] == [date(2024, 5, 6), date(2024, 5, 9), date(2024, 5, 13), date(2024, 5, 16)]


def test_series_exceptions():
    rule = Recurrence("daily", count=5, exceptions=frozenset({date(2024, 5, 8)}))
    starts = rule.starts(datetime(2024, 5, 6, 9, 0))
    assert [s.day for s in starts] == [6, 7, 9, 10]


def test_series_until():
    rule = Recurrence("weekly", interval=2, until=date(2024, 6, 30))
    assert [s.date() for s in rule.starts(datetime(2024, 5, 6, 9))] == [date(2024, 5, 6), date(2024, 5, 20), date(2024, 6, 3), date(2024, 6, 17)]


@pytest.mark.parametrize(
    "kwargs",
    [{"freq": "hourly", "count": 1}, {"count": 0}, {"count": 2, "until": date(2024, 1, 1)}, {"weekdays": ("xyz",), "count": 1}, {"freq": "daily", "weekdays": ("mon",), "count": 1}],
)
def test_bad_recurrence(kwargs):
    with pytest.raises(ValueError):
        Recurrence(**kwargs)


def test_policy_limits(scheduler, day):
    with pytest.raises(PolicyViolation, match="maximum length"):
        scheduler.book("atlas", f"{day} 08:00", f"{day} 12:30", "ana")
    with pytest.raises(PolicyViolation, match="granularity"):
        scheduler.book("atlas", f"{day} 10:03", f"{day} 11:00", "ana")
    with pytest.raises(PolicyViolation, match="notice"):
        from roomsched import Policy, Scheduler

        Scheduler(scheduler.rooms, Policy(min_notice=timedelta(hours=1))).book("atlas", f"{day} 10:00", f"{day} 10:30", "ana", now=datetime(2024, 5, 6, 9, 30))


def test_zero_attendees(scheduler, day):
    with pytest.raises(InvalidBooking):
        scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana", attendees=0)
