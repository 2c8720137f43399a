"""The inverted index: for every field, term -> {document id: positions}, plus what BM25 needs
(document counts, document frequencies, field lengths)."""

from __future__ import annotations

from collections import Counter, defaultdict

from more_itertools import chunked

from minisearch.analysis import Analyzer, Term
from minisearch.corpus import Document


class InvertedIndex:
    def __init__(self, analyzer: Analyzer | None = None):
        self.analyzer = analyzer or Analyzer()
        self._postings: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(dict)
        self._df: dict[str, Counter] = defaultdict(Counter)
        self._lengths: dict[str, dict[str, int]] = defaultdict(dict)
        self._terms: dict[str, dict[str, tuple[Term, ...]]] = defaultdict(dict)  # field -> doc -> terms
        self.documents: dict[str, Document] = {}

    @property
    def fields(self) -> list[str]:
        return list(self.analyzer.fields)

    def __len__(self) -> int:
        return len(self.documents)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.documents

    # -- building ----------------------------------------------------------------------------

    def add(self, document: Document) -> None:
        if document.doc_id in self.documents:
            raise ValueError(f"document {document.doc_id!r} is already indexed; remove it first")
        self.documents[document.doc_id] = document
        for field in self.fields:
            text = document.fields.get(field, "")
            terms = self.analyzer.analyze(text, field) if text else ()
            self._terms[field][document.doc_id] = terms
            self._lengths[field][document.doc_id] = len(terms)
            postings = self._postings[field]
            for term in terms:
                postings.setdefault(term.term, {}).setdefault(document.doc_id, []).append(term.position)
            for term in {t.term for t in terms}:
                self._df[field][term] += 1  # documents, not occurrences

    def add_all(self, documents, batch_size: int = 256) -> int:
        added = 0
        for batch in chunked(documents, batch_size):
            for document in batch:
                self.add(document)
                added += 1
        return added

    def remove(self, doc_id: str) -> None:
        if doc_id not in self.documents:
            raise KeyError(f"no document {doc_id!r} in the index")
        del self.documents[doc_id]
        for field in self.fields:
            postings = self._postings[field]
            for term in {t.term for t in self._terms[field].pop(doc_id, ())}:
                postings[term].pop(doc_id)
                self._df[field][term] -= 1
                if not postings[term]:
                    del postings[term]
                    del self._df[field][term]
            self._lengths[field].pop(doc_id, None)

    # -- reading -----------------------------------------------------------------------------

    def postings(self, field: str, term: str) -> dict[str, list[int]]:
        return self._postings[field].get(term, {})

    def document_frequency(self, field: str, term: str) -> int:
        """How many documents have `term` in `field`."""
        return self._df[field][term]

    def field_length(self, field: str, doc_id: str) -> int:
        return self._lengths[field].get(doc_id, 0)

    def average_length(self, field: str) -> float:
        lengths = self._lengths[field]
        return sum(lengths.values()) / len(lengths) if lengths else 0.0

    def terms_of(self, field: str, doc_id: str) -> tuple[Term, ...]:
        return self._terms[field].get(doc_id, ())

    def vocabulary(self, field: str) -> list[str]:
        return sorted(self._postings[field])
