import random

from wordfreq import top_words, word_counts, words


def test_apostrophes():
    assert words("'Tis the dogs' bone, don't touch ''' it") == ["tis", "the", "dogs", "bone", "don't", "touch", "it"]


def test_digits_and_non_ascii_separators():
    assert words("R2D2 met C-3PO in 1977") == ["r2d2", "met", "c", "3po", "in", "1977"]


def test_all_ties_are_alphabetical():
    assert top_words("pear fig apple kiwi", 10) == [("apple", 1), ("fig", 1), ("kiwi", 1), ("pear", 1)]


def test_ties_within_higher_counts():
    text = "b a c b a c d d e"
    assert top_words(text, 4) == [("a", 2), ("b", 2), ("c", 2), ("d", 2)]
    assert top_words(text, 5)[-1] == ("e", 1)


def test_n_limits():
    assert top_words("one two two", 0) == []
    assert top_words("one two two", -3) == []
    assert top_words("", 5) == []
    assert top_words("Same same SAME", 1) == [("same", 3)]


def test_random_texts_against_reference():
    rng = random.Random(1990)
    vocabulary = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "Ant", "BEE"]
    for _ in range(200):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(0, 40)))
        n = rng.randrange(0, 9)
        counts = word_counts(text)
        expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: max(n, 0)]
        assert top_words(text, n) == expected, (text, n)
