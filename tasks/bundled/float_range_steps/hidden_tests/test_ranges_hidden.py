import math
import random

from ranges import conversion_table, float_steps


def test_decimal_steps_have_exact_counts_and_values():
    assert float_steps(0, 1, 0.1) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert float_steps(0.1, 0.7, 0.2) == [0.1, 0.3, 0.5, 0.7]
    assert float_steps(1.1, 1.5, 0.1) == [1.1, 1.2, 1.3, 1.4, 1.5]
    assert len(float_steps(0, 100, 0.01)) == 10_001
    assert float_steps(0, 100, 0.01)[-1] == 100.0


def test_stop_between_values_is_not_included():
    assert float_steps(0, 1, 0.3) == [0.0, 0.3, 0.6, 0.9]
    assert float_steps(5, 0, -2) == [5.0, 3.0, 1.0]


def test_wrong_direction_gives_empty_list():
    assert float_steps(0, 1, -0.1) == []
    assert float_steps(1, 0, 0.1) == []


def test_single_value_and_negative_ranges():
    assert float_steps(2.5, 2.5, 0.1) == [2.5]
    assert float_steps(-0.3, 0, 0.1) == [-0.3, -0.2, -0.1, 0.0]
    assert float_steps(-0.2, -0.6, -0.1) == [-0.2, -0.3, -0.4, -0.5, -0.6]


def test_random_ranges_against_formula():
    rng = random.Random(12)
    for _ in range(400):
        step = rng.choice([0.1, 0.2, 0.05, 0.3, 0.7, 1.1]) * rng.choice([1, -1])
        start = round(rng.uniform(-5, 5), 2)
        count = rng.randrange(0, 40)
        stop = round(start + count * step, 6)
        values = float_steps(start, stop, step)
        assert len(values) == count + 1, (start, stop, step)
        assert values == [round(start + i * step, 10) for i in range(count + 1)]
        assert math.isclose(values[-1], stop, abs_tol=1e-9)


def test_table_rows():
    rows = conversion_table(36, 37, 0.2)
    assert [c for c, _ in rows] == [36.0, 36.2, 36.4, 36.6, 36.8, 37.0]
    assert rows[-1] == (37.0, 98.6)
    assert rows[2] == (36.4, 97.52)
    assert conversion_table(100, 90, -5) == [(100.0, 212.0), (95.0, 203.0), (90.0, 194.0)]
