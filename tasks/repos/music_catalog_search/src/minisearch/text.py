"""Unicode normalisation for matching: NFKC, case folding, accents removed.

"Beyoncé" and "BEYONCE" both become "beyonce"; "ﬁ" (a ligature) becomes "fi"."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(word: str) -> str:
    """The form a word is indexed and searched under."""
    return strip_accents(unicodedata.normalize("NFKC", word).casefold())


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "'’"
