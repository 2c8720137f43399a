from datetime import datetime

import pytest

from roomsched import Span, load_rooms, parse_time
from roomsched.agenda import floor_agenda, organizer_agenda, room_agenda
from roomsched.availability import common_free, first_fit, gaps, merge
from roomsched.timeutil import parse_duration


def S(a, b):
    return Span.parse(f"2024-05-06 {a}", f"2024-05-06 {b}")


def test_free_slots_inside_a_long_meeting_day(scheduler, day):
    scheduler.book("delta", f"{day} 09:00", f"{day} 13:00", "ana", attendees=10)
    assert [str(s) for s in scheduler.free_slots("delta", day, 30)] == ["2024-05-06 08:00-09:00", "2024-05-06 13:00-19:00"]


def test_agenda_of_a_busy_room(scheduler, day):
    scheduler.book("atlas", f"{day} 09:00", f"{day} 10:00", "ana", "A")
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ben", "B")
    text = room_agenda(scheduler, "atlas", day)
    assert "09:00-10:00  A  [ana]" in text and "10:00-11:00  B  [ben]" in text
    assert "free: 08:00-09:00, 11:00-19:00" in text


def test_bookings_on_lists_back_to_back(scheduler, day):
    scheduler.book("ember", f"{day} 17:00", f"{day} 18:00", "ana", "late")
    scheduler.book("ember", "2024-05-07 08:00", "2024-05-07 09:00", "ana", "next day")
    assert [b.title for b in scheduler.bookings_on("ember", "2024-05-07")] == ["next day"]
    assert [b.title for b in scheduler.bookings_on("ember", day)] == ["late"]


def test_merge_touching_spans():
    assert merge([S("10:00", "11:00"), S("11:00", "12:00"), S("09:00", "09:30")]) == [S("09:00", "09:30"), S("10:00", "12:00")]


def test_gaps_clip_to_window():
    assert gaps([S("07:00", "09:00"), S("18:00", "20:00")], S("08:00", "19:00")) == [S("09:00", "18:00")]


def test_common_free():
    busy = {"a": [S("09:00", "10:00")], "b": [S("09:30", "11:00")]}
    assert common_free(busy, S("08:00", "12:00"), 45) == [S("08:00", "09:00"), S("11:00", "12:00")]


def test_first_fit():
    assert first_fit([S("08:00", "08:20"), S("09:00", "12:00")], 30) == S("09:00", "09:30")
    assert first_fit([S("08:00", "08:20")], 30) is None


def test_floor_and_organizer_agendas(scheduler, day):
    scheduler.book("delta", f"{day} 09:00", f"{day} 10:00", "ana", "All hands", attendees=20)
    scheduler.book("fjord", f"{day} 11:00", f"{day} 11:30", "ana", "1:1", attendees=2)
    text = floor_agenda(scheduler, 1, day)
    assert text.index("delta") < text.index("fjord")
    assert organizer_agenda(scheduler, "ana") == [
        "2024-05-06 09:00-10:00 delta: All hands (ana, 20 people)",
        "2024-05-06 11:00-11:30 fjord: 1:1 (ana, 2 people)",
    ]


def test_catalogue():
    rooms = load_rooms()
    assert len(rooms) == 6
    assert [r.name for r in rooms.matching(6, {"screen"})] == ["cedar", "atlas", "delta"]


@pytest.mark.parametrize("text, minutes", [("1h30m", 90), ("45m", 45), ("2h", 120), (15, 15)])
def test_durations(text, minutes):
    assert parse_duration(text).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "h", "90", "1x"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_time_formats():
    assert parse_time("2024-05-06T09:30") == datetime(2024, 5, 6, 9, 30)
    with pytest.raises(ValueError):
        parse_time("May 6th")


def test_span_rules():
    with pytest.raises(ValueError):
        S("10:00", "10:00")
    assert S("10:00", "11:30").minutes == 90
    assert str(Span.parse("2024-05-06 23:00", "2024-05-07 01:00")) == "2024-05-06 23:00 - 2024-05-07 01:00"
