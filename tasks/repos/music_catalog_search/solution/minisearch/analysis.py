"""Analysis: from a field's text to the terms the index stores.

Every field has its own settings. Names (titles, artists, tags) keep stop words and are not
stemmed: a band may be called "Those Who Were", and "Ballads" is a title, not a plural. Running
text (descriptions) drops stop words and is stemmed. A query is analysed once per field it is
searched in, with that field's settings, so that it meets the index on the same terms.

Analysis is the hot path of both indexing and searching, and catalogues repeat themselves (the
same artist on every album, the same tags), so results are cached.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from minisearch.stemming import stem
from minisearch.stopwords import is_stopword
from minisearch.text import fold
from minisearch.tokenize import tokenize


@dataclass(frozen=True)
class FieldSettings:
    keep_stopwords: bool = False
    stem: bool = True
    boost: float = 1.0


DEFAULT_FIELDS: dict[str, FieldSettings] = {
    "title": FieldSettings(keep_stopwords=True, stem=False, boost=2.0),
    "artist": FieldSettings(keep_stopwords=True, stem=False, boost=2.5),
    "body": FieldSettings(keep_stopwords=False, stem=True, boost=1.0),
    "tags": FieldSettings(keep_stopwords=True, stem=False, boost=1.5),
}


@dataclass(frozen=True)
class Term:
    term: str
    position: int
    start: int
    end: int


class AnalysisCache:
    """A small LRU map with hit counts (the benchmarks report them)."""

    def __init__(self, max_entries: int = 4096):
        self.max_entries = max_entries
        self._entries: OrderedDict[object, tuple[Term, ...]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: object) -> tuple[Term, ...] | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: object, terms: tuple[Term, ...]) -> None:
        self._entries[key] = terms
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


class Analyzer:
    def __init__(self, fields: dict[str, FieldSettings] | None = None, cache_size: int = 4096):
        self.fields = dict(DEFAULT_FIELDS if fields is None else fields)
        self.cache = AnalysisCache(cache_size)

    def settings(self, field: str) -> FieldSettings:
        try:
            return self.fields[field]
        except KeyError:
            raise KeyError(f"unknown field {field!r} (fields: {', '.join(self.fields)})") from None

    def analyze(self, text: str, field: str) -> tuple[Term, ...]:
        """The terms of `text` as `field` indexes them, in order, stop words removed where the
        field drops them (their positions are kept: the next word's position skips them)."""
        settings = self.settings(field)
        # Keyed by the settings too: the same text gives different terms in a field that keeps
        # stop words or does not stem.
        key = (settings, text)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        terms = tuple(self._run(text, settings))
        self.cache.put(key, terms)
        return terms

    @staticmethod
    def _run(text: str, settings: FieldSettings):
        for token in tokenize(text):
            term = fold(token.text).replace("’", "'")
            if not settings.keep_stopwords and is_stopword(term):
                continue
            if settings.stem:
                term = stem(term)
            yield Term(term, token.position, token.start, token.end)

    def terms(self, text: str, field: str) -> list[str]:
        return [t.term for t in self.analyze(text, field)]
