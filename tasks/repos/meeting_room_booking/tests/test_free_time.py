from roomsched.agenda import room_agenda


def test_free_slots_around_a_meeting(scheduler, day):
    scheduler.book("cedar", f"{day} 10:00", f"{day} 11:00", "ana")
    slots = [str(s) for s in scheduler.free_slots("cedar", day, minutes=60)]
    assert slots == ["2024-05-06 08:00-10:00", "2024-05-06 11:00-19:00"]


def test_suggest_smallest_free_room(scheduler, day):
    scheduler.book("cedar", f"{day} 10:00", f"{day} 11:00", "ana", attendees=5)
    assert [r.name for r in scheduler.suggest(f"{day} 10:30", f"{day} 11:30", attendees=5)] == ["fjord", "atlas", "delta"]


def test_agenda(scheduler, day):
    scheduler.book("ember", f"{day} 09:00", f"{day} 09:30", "ana", "1:1")
    text = room_agenda(scheduler, "ember", day)
    assert "09:00-09:30  1:1  [ana]" in text
    assert "free: 08:00-09:00, 09:30-19:00" in text
