from datetime import date

from recurrence import add_months, days_in_month, is_leap_year, monthly


def test_add_one_month():
    assert add_months(date(2023, 3, 15), 1) == date(2023, 4, 15)


def test_clamp_to_end_of_february():
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_series_keeps_its_day():
    assert monthly(date(2023, 1, 31), 4) == [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31), date(2023, 4, 30)]


def test_across_new_year():
    assert monthly(date(2023, 11, 5), 3) == [date(2023, 11, 5), date(2023, 12, 5), date(2024, 1, 5)]


def test_leap_years():
    assert is_leap_year(2024) and not is_leap_year(2023)
    assert days_in_month(2000, 2) == 29
