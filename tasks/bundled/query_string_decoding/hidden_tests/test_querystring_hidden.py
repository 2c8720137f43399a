import random

import pytest

from querystring import build_query, decode_component, encode_component, parse_query


def test_escaped_plus_is_a_plus():
    assert decode_component("1%2B1") == "1+1"
    assert decode_component("a+%2b+b") == "a + b"
    assert parse_query("expr=2%2B2%3D4") == {"expr": ["2+2=4"]}


def test_value_containing_equals_signs():
    assert parse_query("filter=a=b=c&x==") == {"filter": ["a=b=c"], "x": ["="]}
    assert parse_query("token=abc==") == {"token": ["abc=="]}


def test_multibyte_utf8():
    assert decode_component("%E2%82%AC%20%F0%9F%99%82") == "€ 🙂"
    assert decode_component("na%C3%AFve+%c3%a9t%c3%a9") == "naïve été"
    assert decode_component("plain-ÿ") == "plain-ÿ"


def test_invalid_utf8_and_bad_escapes():
    for bad in ("%C3", "%FF", "%E2%82", "%G1", "%1", "%", "a%2", "%%20"):
        with pytest.raises(ValueError):
            decode_component(bad)
    with pytest.raises(ValueError):
        parse_query("q=%C3%28")


def test_empty_pairs_keys_and_values():
    assert parse_query("") == {}
    assert parse_query("?") == {}
    assert parse_query("&&a&&b=&=c&") == {"a": [""], "b": [""], "": ["c"]}


def test_key_order_is_first_appearance():
    assert list(parse_query("z=1&a=2&z=3&m=4")) == ["z", "a", "m"]
    assert parse_query("z=1&a=2&z=3")["z"] == ["1", "3"]


def test_encode_component():
    assert encode_component("a b+c=d&e") == "a+b%2Bc%3Dd%26e"
    assert encode_component("café~_.-") == "caf%C3%A9~_.-"
    assert encode_component("€") == "%E2%82%AC"
    assert encode_component("") == ""


def test_round_trip_random_params():
    rng = random.Random(8088)
    alphabet = "ab Z9+=&%?#/é€😀~-._\t"
    for _ in range(300):
        params = {}
        for _ in range(rng.randrange(0, 5)):
            key = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
            values = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8))) for _ in range(rng.randrange(1, 4))]
            params[key] = values
        expected = {key: values for key, values in params.items()}
        assert parse_query(build_query(params)) == expected, params
        assert parse_query("?" + build_query(params)) == expected


def test_build_with_strings_and_tuples():
    query = build_query({"a": ("1", "2"), "b": "x=y", "c": []})
    assert query == "a=1&a=2&b=x%3Dy"
    assert parse_query(query) == {"a": ["1", "2"], "b": ["x=y"]}
