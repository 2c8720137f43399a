"""Split command lines into words like a POSIX shell, and quote words back."""

import re
from collections.abc import Iterable

_SAFE_WORD = re.compile(r"[A-Za-z0-9@%+=:,./_-]+")


def split_words(text: str) -> list[str]:
    """Split ``text`` into words using POSIX shell quoting rules.

    >>> split_words("cp 'my file.txt' \\"backup dir\\"/")
    ['cp', 'my file.txt', 'backup dir/']
    """
    words: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            if current:
                words.append("".join(current))
                current = []
            index += 1
        elif char == "\\":
            if index + 1 < len(text):
                current.append(text[index + 1])
            index += 2
        elif char == "'":
            end = text.find("'", index + 1)
            if end == -1:
                raise ValueError("no closing single quote")
            current.append(text[index + 1 : end])
            index = end + 1
        elif char == '"':
            index += 1
            while True:
                if index >= len(text):
                    raise ValueError("no closing double quote")
                char = text[index]
                if char == '"':
                    index += 1
                    break
                if char == "\\" and index + 1 < len(text):
                    current.append(text[index + 1])
                    index += 2
                    continue
                current.append(char)
                index += 1
        else:
            current.append(char)
            index += 1
    if current:
        words.append("".join(current))
    return words


def quote_word(word: str) -> str:
    """Return ``word`` quoted so that a shell reads it back as one word."""
    if _SAFE_WORD.fullmatch(word):
        return word
    return "'" + word.replace("'", "\\'") + "'"


def join_words(words: Iterable[str]) -> str:
    """Quote every word and join them with spaces."""
    return " ".join(quote_word(word) for word in words)
