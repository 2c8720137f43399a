from text_tools import is_palindrome, reverse_string, reverse_words


def test_reverse_short_word():
    assert reverse_string("abc") == "cba"


def test_reverse_empty():
    assert reverse_string("") == ""


def test_palindrome_sentence():
    assert is_palindrome("A man, a plan, a canal: Panama")


def test_not_a_palindrome():
    assert not is_palindrome("hello")


def test_reverse_words():
    assert reverse_words("  the quick  fox ") == "fox quick the"
