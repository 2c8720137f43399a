import pytest

from jsonparse import JSONError, loads


def test_simple_document():
    assert loads('{"name": "Ada", "tags": ["math", "code"], "age": 36}') == {"name": "Ada", "tags": ["math", "code"], "age": 36}


def test_literals_and_floats():
    assert loads("[true, false, null, 1.5, -2]") == [True, False, None, 1.5, -2]


def test_negative_exponent():
    assert loads("1.5e-3") == 0.0015


def test_escaped_quote_inside_string():
    assert loads(r'"say \"hi\""') == 'say "hi"'


def test_empty_containers_with_spaces():
    assert loads("{ }") == {}
    assert loads("[ ]") == []


def test_trailing_comma_is_an_error():
    with pytest.raises(JSONError):
        loads("[1, 2,]")
