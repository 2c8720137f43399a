import pytest

from querystring import build_query, decode_component, parse_query


def test_simple_query():
    assert parse_query("?q=books&page=2") == {"q": ["books"], "page": ["2"]}


def test_repeated_keys_and_spaces():
    assert parse_query("tag=red+wine&tag=cheese") == {"tag": ["red wine", "cheese"]}


def test_accented_search_term():
    assert parse_query("q=caf%C3%A9") == {"q": ["café"]}


def test_bad_escape():
    with pytest.raises(ValueError):
        decode_component("100%")


def test_build():
    assert build_query({"q": "two words", "n": ["1", "2"]}) == "q=two+words&n=1&n=2"
