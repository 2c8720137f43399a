from text_tools import is_palindrome, reverse_string, reverse_words


def test_reverse_single_character():
    assert reverse_string("x") == "x"


def test_reverse_even_length():
    assert reverse_string("abcd") == "dcba"


def test_reverse_keeps_spaces_and_punctuation():
    assert reverse_string("ab cd!") == "!dc ba"


def test_reverse_unicode():
    assert reverse_string("añb€") == "€bña"


def test_reverse_twice_is_identity():
    for text in ["", "a", "ab", "racecar", "Hello, World", "12345"]:
        assert reverse_string(reverse_string(text)) == text


def test_reverse_long_text():
    text = "".join(chr(ord("a") + i % 26) for i in range(1001))
    assert reverse_string(text) == text[::-1]


def test_not_palindromes():
    assert not is_palindrome("ab")
    assert not is_palindrome("palindrome")
    assert not is_palindrome("12 3")


def test_palindromes_mixed_case_and_digits():
    assert is_palindrome("RaceCar")
    assert is_palindrome("No 'x' in Nixon")
    assert is_palindrome("12 21")


def test_text_without_letters_is_palindrome():
    assert is_palindrome("")
    assert is_palindrome("?! ,")


def test_reverse_words_single_and_empty():
    assert reverse_words("hello") == "hello"
    assert reverse_words("   ") == ""
