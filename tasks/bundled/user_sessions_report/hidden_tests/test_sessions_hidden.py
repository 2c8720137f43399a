import random

import pytest

from sessions import Event, Session, average_duration, sessionize, user_summaries


def reference(events, gap=1800):
    by_user = {}
    for event in sorted(events, key=lambda e: e.timestamp):
        by_user.setdefault(event.user, []).append(event.timestamp)
    sessions = []
    for user, stamps in by_user.items():
        start = previous = stamps[0]
        count = 1
        for stamp in stamps[1:]:
            if stamp - previous > gap:
                sessions.append(Session(user, start, previous, count))
                start, count = stamp, 0
            previous = stamp
            count += 1
        sessions.append(Session(user, start, previous, count))
    return sorted(sessions, key=lambda s: (s.start, s.user))


def test_gap_boundary_with_custom_gap():
    events = [Event("u", 0), Event("u", 60), Event("u", 121), Event("u", 181)]
    assert sessionize(events, gap=60) == [Session("u", 0, 60, 2), Session("u", 121, 181, 2)]


def test_same_timestamp_events_share_a_session():
    events = [Event("a", 500), Event("a", 500), Event("b", 500), Event("a", 500)]
    assert sessionize(events, gap=1) == [Session("a", 500, 500, 3), Session("b", 500, 500, 1)]


def test_other_users_do_not_break_a_session():
    events = [Event("a", 0)] + [Event(f"x{n}", n) for n in range(1, 50)] + [Event("a", 1000)]
    sessions = sessionize(events)
    assert sessions[0] == Session("a", 0, 1000, 2)
    assert len(sessions) == 50


def test_ties_in_start_are_ordered_by_user():
    events = [Event("zed", 10), Event("amy", 10), Event("kim", 5)]
    assert [s.user for s in sessionize(events)] == ["kim", "amy", "zed"]


def test_empty_input_and_bad_gap():
    assert sessionize([]) == []
    assert average_duration([]) == 0.0
    assert user_summaries([]) == {}
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError):
            sessionize([Event("a", 1)], gap=bad)


def test_average_is_not_truncated():
    sessions = [Session("a", 0, 1, 2), Session("b", 0, 2, 2)]
    assert average_duration(sessions) == 1.5
    assert isinstance(average_duration(sessions), float)
    assert average_duration(sessionize([Event("a", 3), Event("a", 10)])) == 7.0


def test_matches_reference_on_random_logs():
    rng = random.Random(31337)
    for _ in range(150):
        users = [f"u{n}" for n in range(rng.randrange(1, 6))]
        gap = rng.choice([1, 5, 30, 1800])
        events = [Event(rng.choice(users), rng.randrange(0, 4 * gap + 3)) for _ in range(rng.randrange(0, 40))]
        assert sessionize(events, gap) == reference(events, gap), (events, gap)


def test_summaries_on_random_logs():
    rng = random.Random(5)
    events = [Event(rng.choice("abcde"), rng.randrange(0, 20_000)) for _ in range(400)]
    sessions = sessionize(events, gap=300)
    summaries = user_summaries(sessions)
    for user in "abcde":
        mine = [s for s in sessions if s.user == user]
        durations = [s.end - s.start for s in mine]
        assert summaries[user] == (len(mine), sum(durations), max(durations))
    assert average_duration(sessions) == pytest.approx(sum(s.end - s.start for s in sessions) / len(sessions))


def test_a_day_of_logs_from_many_users():
    users = 28_000
    names = [f"visitor{n}" for n in range(users)]
    # Every visitor comes back every 7000 seconds, five times in all.
    events = [Event(names[n % users], n // 4) for n in range(5 * users)]
    sessions = sessionize(events, gap=7_200)
    assert len(sessions) == users
    assert sum(session.count for session in sessions) == 5 * users
    assert sessions[0] == Session("visitor0", 0, 28_000, 5)
    assert sessions[-1] == Session("visitor27999", 6_999, 34_999, 5)
    assert all(session.duration == 28_000 for session in sessions)
