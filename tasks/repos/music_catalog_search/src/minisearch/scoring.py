"""BM25 (Robertson/Sparck Jones), per field, weighted by the field's boost."""

from __future__ import annotations

import math
from dataclasses import dataclass

from minisearch.index import InvertedIndex


@dataclass(frozen=True)
class BM25:
    k1: float = 1.2
    b: float = 0.75

    def idf(self, document_count: int, document_frequency: int) -> float:
        """Never negative: a term in most documents still counts a little."""
        n, df = document_count, document_frequency
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def term_score(self, index: InvertedIndex, field: str, term: str, doc_id: str) -> float:
        positions = index.postings(field, term).get(doc_id)
        if not positions:
            return 0.0
        tf = len(positions)
        length = index.field_length(field, doc_id)
        average = index.average_length(field) or 1.0
        norm = tf + self.k1 * (1 - self.b + self.b * length / average)
        idf = self.idf(len(index), index.document_frequency(field, term))
        return idf * tf * (self.k1 + 1) / norm

    def field_score(self, index: InvertedIndex, field: str, terms: list[str], doc_id: str) -> float:
        boost = index.analyzer.settings(field).boost
        return boost * sum(self.term_score(index, field, term, doc_id) for term in terms)
