from headline import SMALL_WORDS, headline


def test_rest_of_word_unchanged():
    assert headline("my new iPhone and the McDonald farm") == "My New IPhone and the McDonald Farm"
    assert headline("USB-c cables FOR sale") == "USB-c Cables for Sale"


def test_small_words_lowercased_in_the_middle():
    assert headline("Gone With THE Wind") == "Gone With the Wind"
    assert headline("romeo AND juliet") == "Romeo and Juliet"


def test_small_word_at_both_ends():
    assert headline("of mice and men of") == "Of Mice and Men Of"
    assert headline("the end is the") == "The End Is The"
    assert headline("to be or not to be") == "To Be or Not to Be"


def test_single_and_two_word_titles():
    assert headline("the") == "The"
    assert headline("AN") == "AN"
    assert headline("in on") == "In On"
    assert headline("x") == "X"


def test_empty_and_blank():
    assert headline("") == ""
    assert headline(" \t\n ") == ""


def test_non_letters_and_tabs():
    assert headline("3 men\tin a\nboat") == "3 Men in a Boat"
    assert headline("élan and ürge") == "Élan and Ürge"


def test_every_small_word_in_middle_and_at_end():
    for word in SMALL_WORDS:
        assert headline(f"start {word.upper()} end") == f"Start {word} End"
        assert headline(f"start {word}") == f"Start {word[0].upper()}{word[1:]}"
