from datetime import date

import pytest

from billing.errors import InvalidChange


def test_mid_month_anchor_periods(subscribe):
    sub = subscribe(anchor=date(2024, 1, 15))
    assert [str(sub.period(i)) for i in range(3)] == [
        "2024-01-15 to 2024-02-14",
        "2024-02-15 to 2024-03-14",
        "2024-03-15 to 2024-04-14",
    ]


def test_seat_change_splits_the_period(subscribe):
    sub = subscribe(anchor=date(2024, 4, 1), seats=2)
    sub.change_seats(date(2024, 4, 16), 5)
    segments = sub.segments(sub.period(0))
    assert [(s.start, s.end, s.seats) for s in segments] == [
        (date(2024, 4, 1), date(2024, 4, 16), 2),
        (date(2024, 4, 16), date(2024, 5, 1), 5),
    ]


def test_changes_cannot_precede_the_start(subscribe):
    sub = subscribe(anchor=date(2024, 4, 1))
    with pytest.raises(InvalidChange):
        sub.change_seats(date(2024, 3, 1), 3)


def test_interval_cannot_change_mid_term(subscribe, catalog):
    sub = subscribe(anchor=date(2024, 4, 1))
    with pytest.raises(InvalidChange):
        sub.change_plan(date(2024, 4, 10), catalog["pro-yearly"])
