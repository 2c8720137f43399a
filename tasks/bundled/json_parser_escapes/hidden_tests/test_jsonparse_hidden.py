import json
import random

import pytest

from jsonparse import JSONError, loads


def test_backslash_at_the_end_of_a_string():
    assert loads(r'"C:\\"') == "C:\\"
    assert loads(r'["a\\", "b"]') == ["a\\", "b"]
    assert loads(r'{"path": "\\\\server\\share\\", "ok": true}') == {"path": "\\\\server\\share\\", "ok": True}
    assert loads(r'"\\\""') == '\\"'


def test_all_escapes():
    assert loads(r'"\" \\ \/ \b \f \n \r \t \u0041\u00e9\u20AC"') == '" \\ / \b \f \n \r \t Aé€'


def test_surrogate_pairs_and_lone_surrogates():
    assert loads(r'"\ud83d\ude00"') == "😀"
    assert loads(r'"x\uD834\uDD1Ey"') == "x𝄞y"
    assert loads(r'"\ud83d"') == "\ud83d"
    assert loads(r'"\ude00\ud83d"') == "\ude00\ud83d"
    assert loads(r'"\ud83d\u0041"') == "\ud83dA"
    assert loads(r'"\ud83d\ud83d\ude00"') == "\ud83d😀"


def test_numbers():
    cases = ["0", "-0", "12", "-7", "0.5", "-0.0", "1e5", "1E+5", "2e-2", "-3.25E-10", "1.0e0", "123456789012345678901234567890"]
    for text in cases:
        result = loads(text)
        expected = json.loads(text)
        assert result == expected and type(result) is type(expected), text


def test_whitespace_everywhere():
    text = ' \r\n\t{ "a" \n: [ 1 ,\t2 , { } , [ ] ] , "b":{\n}\r} \n'
    assert loads(text) == {"a": [1, 2, {}, []], "b": {}}


def test_duplicate_keys_last_wins_and_non_ascii():
    assert loads('{"k": 1, "k": 2}') == {"k": 2}
    assert loads('"naïve – 日本"') == "naïve – 日本"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "[1, 2,]",
        '{"a": 1,}',
        "{'a': 1}",
        "01",
        "-01",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "NaN",
        "Infinity",
        "[1] [2]",
        '"abc',
        '"bad \\x escape"',
        '"\\u12G4"',
        '"\\u12"',
        '"tab\there"',
        '"line\nbreak"',
        "[1 2]",
        '{"a" 1}',
        '{"a": }',
        "{1: 2}",
        "tru",
        "nul",
        "[",
        "]",
        "// comment\n1",
        '"\\',
        '"abc\\"',
    ],
)
def test_invalid_documents(text):
    with pytest.raises(JSONError) as info:
        loads(text)
    assert isinstance(info.value, ValueError)
    assert 0 <= info.value.position <= len(text)


def test_error_positions():
    with pytest.raises(JSONError) as info:
        loads("[1, 2,]")
    assert info.value.position == 6
    with pytest.raises(JSONError) as info:
        loads('{"a": 1} x')
    assert info.value.position == 9


def random_value(rng, depth):
    roll = rng.random()
    if depth > 0 and roll < 0.2:
        return [random_value(rng, depth - 1) for _ in range(rng.randrange(0, 4))]
    if depth > 0 and roll < 0.4:
        return {random_string(rng): random_value(rng, depth - 1) for _ in range(rng.randrange(0, 4))}
    if roll < 0.6:
        return random_string(rng)
    if roll < 0.75:
        return rng.randrange(-10**6, 10**6)
    if roll < 0.9:
        return rng.uniform(-1e6, 1e6) * 10 ** rng.randrange(-12, 12)
    return rng.choice([True, False, None])


def random_string(rng):
    alphabet = 'ab "\\/\b\f\n\r\t\x01\x1féñ€😀𝄞\ud800'
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8)))


def test_agrees_with_the_json_module_on_random_documents():
    rng = random.Random(20240601)
    for _ in range(400):
        value = random_value(rng, 4)
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 0, 2, "\t"]))
        assert loads(text) == json.loads(text), text
