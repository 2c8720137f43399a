import pytest

from change import format_change, percent_change


def test_growth_and_decline():
    assert percent_change(200, 250) == 25.0
    assert percent_change(80, 60) == -25.0


def test_smaller_loss_is_an_improvement():
    assert percent_change(-50, -25) == 50.0


def test_bigger_loss_is_a_decline():
    assert percent_change(-50, -80) == -60.0


def test_zero_base():
    with pytest.raises(ValueError):
        percent_change(0, 5)


def test_format():
    assert format_change(200, 250) == "+25.0%"
    assert format_change(100, 100) == "0.0%"
