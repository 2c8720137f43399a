import pytest

from shellwords import join_words, quote_word, split_words


def test_plain_words():
    assert split_words("ls -la  /tmp") == ["ls", "-la", "/tmp"]


def test_quotes_and_escapes():
    assert split_words("cp 'my file.txt' \"backup dir\"/ a\\ b") == ["cp", "my file.txt", "backup dir/", "a b"]


def test_empty_argument_is_kept():
    assert split_words("grep '' file") == ["grep", "", "file"]
    assert split_words('grep "" file') == ["grep", "", "file"]


def test_backslash_inside_double_quotes():
    assert split_words(r'echo "C:\temp" "say \"hi\""') == ["echo", "C:\\temp", 'say "hi"']


def test_unclosed_quote():
    with pytest.raises(ValueError):
        split_words("echo 'oops")


def test_quote_round_trip():
    assert quote_word("simple") == "simple"
    assert split_words(join_words(["it's", "two words"])) == ["it's", "two words"]
