from roomsched.ics import calendar, fold
from roomsched.reports import day_utilisation, week_utilisation


def test_ics_event(scheduler, day):
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana", "Planning, Q3")
    text = calendar(scheduler.all_bookings())
    assert "DTSTART:20240506T100000\r\n" in text
    assert "SUMMARY:Planning\\, Q3\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


def test_fold_long_lines():
    pieces = fold("X" * 200)
    assert [len(p) for p in pieces] == [75, 75, 52]
    assert all(p.startswith(" ") for p in pieces[1:])


def test_day_utilisation(scheduler, day):
    scheduler.book("birch", f"{day} 09:00", f"{day} 10:30", "ana")
    scheduler.book("birch", f"{day} 14:00", f"{day} 15:00", "ben")
    used = day_utilisation(scheduler, "birch", day)
    assert (used.meetings, used.booked_minutes, used.open_minutes) == (2, 150, 660)


def test_week_ranks_busiest_first(scheduler, day):
    scheduler.book("ember", f"{day} 09:00", f"{day} 12:00", "ana")
    scheduler.book("cedar", f"{day} 09:00", f"{day} 10:00", "ben")
    assert [u.room for u in week_utilisation(scheduler, day)][:3] == ["ember", "cedar", "atlas"]
