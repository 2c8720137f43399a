from datetime import date

import pytest

from billing.periods import Interval, index_of, period, period_on, periods_between


@pytest.mark.parametrize(
    "index, start, end",
    [
        (0, date(2024, 1, 31), date(2024, 2, 29)),
        (1, date(2024, 2, 29), date(2024, 3, 31)),
        (2, date(2024, 3, 31), date(2024, 4, 30)),
        (3, date(2024, 4, 30), date(2024, 5, 31)),
        (4, date(2024, 5, 31), date(2024, 6, 30)),
        (11, date(2024, 12, 31), date(2025, 1, 31)),
        (13, date(2025, 2, 28), date(2025, 3, 31)),
    ],
)
def test_month_end_anchor_keeps_its_day(index, start, end):
    p = period(date(2024, 1, 31), Interval.MONTH, index)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize(
    "index, start",
    [(0, date(2024, 2, 29)), (1, date(2025, 2, 28)), (2, date(2026, 2, 28)), (3, date(2027, 2, 28)), (4, date(2028, 2, 29))],
)
def test_leap_day_yearly_anchor(index, start):
    assert period(date(2024, 2, 29), Interval.YEAR, index).start == start


@pytest.mark.parametrize(
    "index, start",
    [(0, date(2023, 11, 30)), (1, date(2024, 2, 29)), (2, date(2024, 5, 30)), (3, date(2024, 8, 30)), (4, date(2024, 11, 30))],
)
def test_quarterly_anchor_on_the_30th(index, start):
    assert period(date(2023, 11, 30), Interval.QUARTER, index).start == start


def test_mid_month_anchor_is_unaffected():
    starts = [period(date(2024, 1, 15), Interval.MONTH, i).start for i in range(14)]
    assert starts == [date(2024 + (m // 12), m % 12 + 1, 15) for m in range(14)]


def test_consecutive_periods_touch():
    anchor = date(2024, 1, 31)
    ps = [period(anchor, Interval.MONTH, i) for i in range(24)]
    assert all(a.end == b.start for a, b in zip(ps, ps[1:]))


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2024, 1, 31), 0),
        (date(2024, 2, 28), 0),
        (date(2024, 2, 29), 1),
        (date(2024, 3, 30), 1),
        (date(2024, 3, 31), 2),
        (date(2024, 4, 29), 2),
        (date(2024, 4, 30), 3),
        (date(2024, 8, 31), 7),
    ],
)
def test_index_of_month_end_anchor(day, expected):
    assert index_of(date(2024, 1, 31), Interval.MONTH, day) == expected


def test_period_on_returns_the_containing_period():
    p = period_on(date(2024, 1, 31), Interval.MONTH, date(2024, 4, 10))
    assert (p.index, p.start, p.end) == (2, date(2024, 3, 31), date(2024, 4, 30))


def test_periods_between_month_end():
    found = periods_between(date(2024, 1, 31), Interval.MONTH, date(2024, 3, 1), date(2024, 6, 1))
    assert [(p.index, p.start) for p in found] == [
        (1, date(2024, 2, 29)),
        (2, date(2024, 3, 31)),
        (3, date(2024, 4, 30)),
        (4, date(2024, 5, 31)),
    ]


def test_periods_between_mid_month():
    found = periods_between(date(2024, 1, 10), Interval.MONTH, date(2024, 2, 1), date(2024, 4, 1))
    assert [p.start for p in found] == [date(2024, 1, 10), date(2024, 2, 10), date(2024, 3, 10)]


def test_periods_between_empty_range():
    assert periods_between(date(2024, 1, 10), Interval.MONTH, date(2024, 3, 1), date(2024, 3, 1)) == []


def test_index_before_anchor_is_refused():
    with pytest.raises(ValueError):
        index_of(date(2024, 1, 10), Interval.MONTH, date(2023, 12, 31))


def test_negative_index_is_refused():
    with pytest.raises(ValueError):
        period(date(2024, 1, 10), Interval.MONTH, -1)


def test_period_str_and_days():
    p = period(date(2024, 1, 10), Interval.MONTH, 1)
    assert str(p) == "2024-02-10 to 2024-03-09"
    assert p.days == 29


def test_interval_parse():
    assert Interval.parse(" Quarter ") is Interval.QUARTER
    with pytest.raises(ValueError, match="unknown billing interval"):
        Interval.parse("fortnight")
