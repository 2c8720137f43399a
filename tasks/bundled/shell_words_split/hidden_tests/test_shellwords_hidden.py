import random
import shlex

import pytest

from shellwords import join_words, quote_word, split_words


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "a",
        " a  b\tc\nd\re ",
        "a'b c'\"d\"",
        "''",
        '""',
        "'' \"\" ''\"\"",
        "x '' y",
        "a''b",
        "'a\\b'",
        '"a\\b"',
        '"a\\\\b"',
        '"\\""',
        '"it\'s"',
        "'say \"hi\"'",
        "\\'",
        '\\"',
        "\\\\",
        "a\\ b\\\tc",
        "a\\\nb",
        "#not a comment",
        "a\x0cb",
        "a\u00a0b",
        "a\x0bb",
        '"multi\nline" end',
        "é 'ü' \"日本\"",
        '"\\$HOME" \'$HOME\' \\$HOME',
    ],
)
def test_agrees_with_shlex(text):
    assert split_words(text) == shlex.split(text), repr(text)


@pytest.mark.parametrize("text", ["'", '"', "a 'b", 'a "b\\"', "end\\", '"\\', "'a''"])
def test_errors(text):
    with pytest.raises(ValueError):
        split_words(text)


def test_quote_word():
    assert quote_word("") == "''"
    assert quote_word("a-b_c.d/e:f,g@h%i+j=k") == "a-b_c.d/e:f,g@h%i+j=k"
    assert quote_word("it's") == "'it'\"'\"'s'"
    assert quote_word("a b") == "'a b'"
    assert quote_word("$x") == "'$x'"
    for word in ["", "x", "it's", "a b", "$(rm -rf)", "tab\there", "quote\"d", "back\\slash", "é"]:
        assert quote_word(word) == shlex.quote(word)


def test_stands_alone_without_shlex():
    import inspect

    import shellwords

    assert "shlex" not in inspect.getsource(shellwords)


def test_random_round_trips_and_shlex_agreement():
    rng = random.Random(8675309)
    alphabet = "ab '\"\\\t\n#$é-_=/"
    for _ in range(500):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6))) for _ in range(rng.randrange(0, 5))]
        line = join_words(words)
        assert split_words(line) == words, words
        assert shlex.split(line) == words
    pieces = ["a", "b", " ", "\t", "'x y'", '"p q"', "\\ ", '"\\""', "''", '"a\\b"', "\\\\", "'\\'"]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 8)))
        assert split_words(text) == shlex.split(text), repr(text)
