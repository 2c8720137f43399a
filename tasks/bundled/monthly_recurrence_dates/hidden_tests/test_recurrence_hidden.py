from datetime import date, timedelta

import pytest

from recurrence import add_months, days_in_month, is_leap_year, monthly, occurrences_between


def last_day(year, month):
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def test_leap_year_rules():
    for year in (1600, 2000, 2400, 1996, 2024, 4):
        assert is_leap_year(year), year
    for year in (1700, 1800, 1900, 2100, 2023, 2019, 1):
        assert not is_leap_year(year), year


def test_days_in_month_against_datetime():
    for year in (1899, 1900, 1904, 2000, 2023, 2024, 2100):
        for month in range(1, 13):
            assert days_in_month(year, month) == last_day(year, month), (year, month)


def test_december_and_multiples_of_twelve():
    assert add_months(date(2023, 12, 10), 0) == date(2023, 12, 10)
    assert add_months(date(2023, 11, 30), 1) == date(2023, 12, 30)
    assert add_months(date(2023, 1, 31), 11) == date(2023, 12, 31)
    assert add_months(date(2023, 5, 1), 24) == date(2025, 5, 1)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)


def test_negative_months():
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 15), -1) == date(2023, 12, 15)
    assert add_months(date(2024, 1, 15), -13) == date(2022, 12, 15)
    assert add_months(date(2024, 12, 31), -12) == date(2023, 12, 31)


def test_add_months_matches_brute_force():
    start = date(1999, 1, 1)
    for offset in range(0, 800, 7):
        day = start + timedelta(days=offset)
        for months in range(-30, 31):
            total = day.year * 12 + day.month - 1 + months
            year, month = total // 12, total % 12 + 1
            expected = date(year, month, min(day.day, last_day(year, month)))
            assert add_months(day, months) == expected, (day, months)


def test_series_from_the_thirtieth_and_thirty_first():
    series = monthly(date(2099, 12, 31), 5)
    assert series == [date(2099, 12, 31), date(2100, 1, 31), date(2100, 2, 28), date(2100, 3, 31), date(2100, 4, 30)]
    assert monthly(date(1900, 1, 30), 3)[1] == date(1900, 2, 28)
    assert [d.day for d in monthly(date(2023, 8, 31), 12)] == [31, 30, 31, 30, 31, 31, 29, 31, 30, 31, 30, 31]


def test_count_edge_cases():
    assert monthly(date(2024, 5, 5), 0) == []
    assert monthly(date(2024, 5, 5), 1) == [date(2024, 5, 5)]
    with pytest.raises(ValueError):
        monthly(date(2024, 5, 5), -1)


def test_occurrences_between():
    start = date(2023, 10, 31)
    assert occurrences_between(start, date(2024, 1, 1), date(2024, 4, 30)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert occurrences_between(start, date(2023, 1, 1), date(2023, 12, 31)) == [date(2023, 10, 31), date(2023, 11, 30), date(2023, 12, 31)]
    assert occurrences_between(start, date(2024, 2, 1), date(2024, 2, 28)) == []
    assert occurrences_between(start, date(2023, 1, 1), date(2023, 10, 30)) == []
