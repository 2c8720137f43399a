import pytest

from calculator import evaluate, tokenize


def test_mixed_addition_and_subtraction_left_to_right():
    assert evaluate("2 - 3 + 4") == 3
    assert evaluate("1 - 1 - 1 - 1") == -2


def test_repeated_division_left_to_right():
    assert evaluate("16 / 4 / 2") == 2
    assert evaluate("100 / 10 / 5") == 2


def test_mixed_multiplication_and_division():
    assert evaluate("8 / 2 * 4") == 16
    assert evaluate("2 * 9 / 3 / 3") == 2


def test_long_expression():
    assert evaluate("20 - 2 * 3 - 4 / 2 + 1") == 13
    assert evaluate("2 * (3 + 4) - 5 - (6 - 1)") == 4


def test_unary_forms():
    assert evaluate("--3") == 3
    assert evaluate("-(2 + 3)") == -5
    assert evaluate("2 * -3") == -6
    assert evaluate("+4 - -1") == 5


def test_decimals_and_whitespace():
    assert evaluate(" 1.5*2 ") == pytest.approx(3.0)
    assert evaluate(".5 + .25") == pytest.approx(0.75)
    assert evaluate("\t7/2") == pytest.approx(3.5)


def test_trailing_tokens_raise():
    for bad in ("1 2", "(1 + 2))", "3 (4)", "2 + 3 )"):
        with pytest.raises(ValueError):
            evaluate(bad)


def test_other_malformed_input_raises():
    for bad in ("", "   ", "(1 + 2", "*3", "2 $ 3", "()"):
        with pytest.raises(ValueError):
            evaluate(bad)


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError):
        evaluate("1 / (2 - 2)")


def test_tokenize_errors_and_values():
    assert tokenize(" (3.25)*-x".replace("x", "4")) == ["(", 3.25, ")", "*", "-", 4]
    with pytest.raises(ValueError):
        tokenize("2*(x")
