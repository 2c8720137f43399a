"""Splitting text into words, keeping where each word was.

A token's `position` counts every word of the text (stop words too), so that a phrase query can
check that its words are adjacent even when a stop word between them is not indexed. `start` and
`end` are character offsets into the original text, for highlighting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Token:
    text: str  # as written in the document
    position: int
    start: int
    end: int


def tokenize(text: str) -> Iterator[Token]:
    for position, match in enumerate(_WORD.finditer(text)):
        yield Token(match.group(0), position, match.start(), match.end())


def words(text: str) -> list[str]:
    return [token.text for token in tokenize(text)]
