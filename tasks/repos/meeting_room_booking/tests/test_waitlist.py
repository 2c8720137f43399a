from datetime import datetime

from roomsched.waitlist import Waitlist


def test_free_room_is_booked_at_once(scheduler, day):
    waitlist = Waitlist(scheduler)
    booking = waitlist.book_or_wait("ember", f"{day} 09:00", f"{day} 10:00", "ana")
    assert booking is not None and waitlist.requests == []


def test_cancellation_promotes_the_oldest_request(scheduler, day):
    waitlist = Waitlist(scheduler)
    taken = scheduler.book("ember", f"{day} 09:00", f"{day} 10:00", "ana")
    assert waitlist.book_or_wait("ember", f"{day} 09:00", f"{day} 10:00", "ben", placed=datetime(2024, 5, 1, 12)) is None
    assert waitlist.book_or_wait("ember", f"{day} 09:00", f"{day} 10:00", "cy", placed=datetime(2024, 5, 1, 9)) is None
    promoted = waitlist.cancel(taken.id)
    assert [b.organizer for b in promoted] == ["cy"]
    assert [r.organizer for r in waitlist.waiting_for("ember")] == ["ben"]
    assert waitlist.notices == ["to cy: ember is yours for 2024-05-06 09:00-10:00 (no title)"]


def test_withdraw(scheduler, day):
    waitlist = Waitlist(scheduler)
    scheduler.book("ember", f"{day} 09:00", f"{day} 10:00", "ana")
    waitlist.book_or_wait("ember", f"{day} 09:00", f"{day} 10:00", "ben")
    assert waitlist.withdraw("ben") == 1 and waitlist.requests == []


def test_withdraw_from_one_room_only(scheduler, day):
    waitlist = Waitlist(scheduler)
    scheduler.book("ember", f"{day} 09:00", f"{day} 10:00", "ana")
    scheduler.book("birch", f"{day} 09:00", f"{day} 10:00", "ana")
    waitlist.book_or_wait("ember", f"{day} 09:00", f"{day} 10:00", "ben")
    waitlist.book_or_wait("birch", f"{day} 09:00", f"{day} 10:00", "ben")
    assert waitlist.withdraw("ben", room="birch") == 1
    assert [r.room for r in waitlist.requests] == ["ember"]
