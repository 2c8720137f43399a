from headline import headline


def test_small_words_in_the_middle():
    assert headline("the lord of the rings") == "The Lord of the Rings"


def test_last_word_is_capitalized():
    assert headline("what are you looking at") == "What Are You Looking At"


def test_acronyms_are_kept():
    assert headline("a history of NASA") == "A History of NASA"


def test_whitespace_is_normalized():
    assert headline("  war   and peace ") == "War and Peace"
