import pytest

from calculator import evaluate, tokenize


def test_precedence():
    assert evaluate("1 + 2 * 3") == 7


def test_parentheses():
    assert evaluate("(1 + 2) * 3") == 9


def test_repeated_subtraction():
    assert evaluate("10 - 4 - 3") == 3


def test_unary_minus():
    assert evaluate("-3 + 5") == 2


def test_incomplete_expression_raises():
    with pytest.raises(ValueError):
        evaluate("1 +")


def test_tokenize():
    assert tokenize("12+.5") == [12, "+", 0.5]
