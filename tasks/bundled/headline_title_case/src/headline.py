"""Headline-style capitalization of titles."""

SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or", "the", "to"}
)


def headline(text: str) -> str:
    """Return ``text`` in headline style.

    >>> headline("the lord of the rings")
    'The Lord of the Rings'
    """
    words = text.split()
    styled = []
    for index, word in enumerate(words):
        if word.lower() in SMALL_WORDS and 0 < index < len(words):
            styled.append(word.lower())
        else:
            styled.append(word.capitalize())
    return " ".join(styled)
