from wordfreq import top_words, word_counts, words


def test_words_are_lower_case():
    assert words("Hello, World! hello") == ["hello", "world", "hello"]


def test_counts():
    assert word_counts("a b a")["a"] == 2


def test_top_words_example():
    assert top_words("the cat and the hat and the bat", 3) == [("the", 3), ("and", 2), ("bat", 1)]


def test_distinct_counts():
    assert top_words("x y y z z z", 2) == [("z", 3), ("y", 2)]
