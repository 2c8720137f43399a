"""Split text into words and rank them by frequency."""

import re
from collections import Counter

_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Return the lower-cased words of ``text`` in order of appearance."""
    found = []
    for token in _WORD.findall(text.lower()):
        word = token.strip("'")
        if word:
            found.append(word)
    return found


def word_counts(text: str) -> Counter[str]:
    """Return how often every word occurs in ``text``."""
    return Counter(words(text))


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """Return the ``n`` most frequent words with their counts.

    The most frequent word comes first; equally frequent words are listed
    alphabetically.
    """
    if n <= 0:
        return []
    ranked = sorted(word_counts(text).items(), key=lambda item: (item[1], item[0]), reverse=True)
    return ranked[:n]
