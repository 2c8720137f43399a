"""A light English suffix stemmer: enough to match "recordings" with "recording" and
"records", not a linguistic tool. Short words are left alone."""

from __future__ import annotations

_RULES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("iveness", "ive"),
    ("ements", "e"),
    ("ement", "e"),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("edly", ""),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)
_KEEP = {"jazz", "blues", "bass", "glass", "less", "this", "was", "has", "is", "us", "yes"}


def stem(word: str) -> str:
    if len(word) <= 4 or word in _KEEP or not word.isalpha():
        return word
    for suffix, replacement in _RULES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)] + replacement
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "swinging" -> "swing", "dropped" -> "drop"
            if suffix == "es" and not base.endswith(("ch", "sh", "x", "ss", "z")):
                base = word[:-1]  # "tunes" -> "tune", but "matches" -> "match"
            return base
    return word
