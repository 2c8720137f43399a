from sessions import Event, Session, average_duration, sessionize, user_summaries


def test_two_sessions_for_one_user():
    events = [Event("ann", 0), Event("ann", 600), Event("ann", 5000)]
    assert sessionize(events) == [Session("ann", 0, 600, 2), Session("ann", 5000, 5000, 1)]


def test_unsorted_events_of_two_users():
    events = [Event("bob", 100), Event("ann", 50), Event("bob", 40), Event("ann", 1000)]
    assert sessionize(events) == [Session("bob", 40, 100, 2), Session("ann", 50, 1000, 2)]


def test_pause_of_exactly_the_gap_keeps_the_session():
    events = [Event("cy", 0), Event("cy", 1800), Event("cy", 3600)]
    assert sessionize(events) == [Session("cy", 0, 3600, 3)]


def test_summaries():
    sessions = [Session("ann", 0, 100, 3), Session("ann", 5000, 5060, 2), Session("bob", 10, 10, 1)]
    assert user_summaries(sessions)["ann"] == (2, 160, 100)
    assert average_duration(sessions) == 160 / 3


def test_fifty_thousand_events_from_many_users():
    events = [Event(f"user{n % 10_000}", n // 6) for n in range(50_000)]
    sessions = sessionize(events)
    assert len(sessions) == 10_000
    assert sessions[0] == Session("user0", 0, 6_666, 5)
