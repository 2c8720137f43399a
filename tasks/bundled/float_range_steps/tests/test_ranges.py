import pytest

from ranges import conversion_table, float_steps


def test_quarter_steps():
    assert float_steps(0, 1, 0.25) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_tenth_steps_include_stop():
    assert float_steps(0, 0.3, 0.1) == [0.0, 0.1, 0.2, 0.3]


def test_counting_down():
    assert float_steps(1, 0, -0.25) == [1.0, 0.75, 0.5, 0.25, 0.0]


def test_zero_step():
    with pytest.raises(ValueError):
        float_steps(0, 1, 0)


def test_table():
    assert conversion_table(-10, 10, 10) == [(-10.0, 14.0), (0.0, 32.0), (10.0, 50.0)]
