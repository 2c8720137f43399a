import pytest

from roomsched import BookingConflict, InvalidBooking, PolicyViolation, UnknownRoom


def test_book_and_list(scheduler, day):
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana", "Planning", attendees=5)
    assert [b.title for b in scheduler.bookings_on("atlas", day)] == ["Planning"]


def test_overlapping_meetings_conflict(scheduler, day):
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana")
    with pytest.raises(BookingConflict):
        scheduler.book("atlas", f"{day} 10:30", f"{day} 11:30", "ben")


def test_back_to_back_meetings(scheduler, day):
    scheduler.book("atlas", f"{day} 10:00", f"{day} 11:00", "ana")
    scheduler.book("atlas", f"{day} 11:00", f"{day} 12:00", "ben")
    scheduler.book("atlas", f"{day} 09:00", f"{day} 10:00", "cy")
    assert len(scheduler.bookings_on("atlas", day)) == 3


def test_long_workshop_blocks_the_afternoon(scheduler, day):
    scheduler.book("delta", f"{day} 13:00", f"{day} 17:00", "ana", "Workshop", attendees=18)
    with pytest.raises(BookingConflict):
        scheduler.book("delta", f"{day} 15:00", f"{day} 15:30", "ben", "Quick sync")


def test_capacity_and_unknown_room(scheduler, day):
    with pytest.raises(InvalidBooking, match="seats 4"):
        scheduler.book("birch", f"{day} 10:00", f"{day} 11:00", "ana", attendees=5)
    with pytest.raises(UnknownRoom):
        scheduler.book("zenith", f"{day} 10:00", f"{day} 11:00", "ana")


def test_policies(scheduler):
    with pytest.raises(PolicyViolation, match="weekend"):
        scheduler.book("atlas", "2024-05-11 10:00", "2024-05-11 11:00", "ana")
    with pytest.raises(PolicyViolation, match="opening hours"):
        scheduler.book("atlas", "2024-05-06 07:00", "2024-05-06 08:30", "ana")
