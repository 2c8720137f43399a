import pytest

from durations import format_duration, parse_duration


def test_parse_hours_and_minutes():
    assert parse_duration("1h30m") == 5400
    assert parse_duration("1h 30m") == 5400


def test_parse_single_components():
    assert parse_duration("45s") == 45
    assert parse_duration("2d") == 172_800


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_format():
    assert format_duration(5400) == "1h30m"
    assert format_duration(0) == "0s"
