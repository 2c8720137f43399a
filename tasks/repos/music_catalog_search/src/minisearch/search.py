"""Running a query against an index: matching clauses, ranking, snippets."""

from __future__ import annotations

from dataclasses import dataclass, field

from minisearch.analysis import Analyzer
from minisearch.corpus import Document
from minisearch.highlight import snippet
from minisearch.index import InvertedIndex
from minisearch.query import Clause, parse_query
from minisearch.scoring import BM25

# Running text first: a word that appears there is usually what the user meant.
SEARCH_FIELDS = ("body", "title", "artist", "tags")


@dataclass
class ClauseMatch:
    score: float = 0.0
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def absorb(self, other: ClauseMatch) -> None:
        self.score += other.score
        for name, spans in other.spans.items():
            self.spans.setdefault(name, []).extend(spans)


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float
    title: str
    snippet: str


class Searcher:
    def __init__(self, index: InvertedIndex, scorer: BM25 | None = None, fields: tuple[str, ...] = SEARCH_FIELDS):
        self.index = index
        self.scorer = scorer or BM25()
        self.fields = [f for f in fields if f in index.fields]

    @classmethod
    def from_documents(cls, documents: list[Document], analyzer: Analyzer | None = None) -> Searcher:
        index = InvertedIndex(analyzer)
        index.add_all(documents)
        return cls(index)

    # -- one clause --------------------------------------------------------------------------

    def _phrase_positions(self, field_name: str, words: list[str], offsets: list[int], doc_id: str) -> list[int]:
        lists = [set(self.index.postings(field_name, w).get(doc_id, ())) for w in words]
        return sorted(p for p in lists[0] if all(p + off in positions for off, positions in zip(offsets[1:], lists[1:])))

    def match_clause(self, clause: Clause) -> dict[str, ClauseMatch] | None:
        """Documents matching the clause with their score and spans, or None when the clause
        has no searchable word in any of its fields (only stop words): it is then ignored."""
        results: dict[str, ClauseMatch] = {}
        searchable = False
        for field_name in clause.fields(self.fields):
            terms = self.index.analyzer.analyze(clause.text, field_name)
            if not terms:
                continue
            searchable = True
            words = [t.term for t in terms]
            offsets = [t.position - terms[0].position for t in terms]
            candidates = set(self.index.postings(field_name, words[0]))
            for word in words[1:]:
                candidates &= set(self.index.postings(field_name, word))
            for doc_id in candidates:
                if len(words) > 1 and not self._phrase_positions(field_name, words, offsets, doc_id):
                    continue
                wanted = set(words)
                spans = [(t.start, t.end) for t in self.index.terms_of(field_name, doc_id) if t.term in wanted]
                found = ClauseMatch(self.scorer.field_score(self.index, field_name, words, doc_id), {field_name: spans})
                results.setdefault(doc_id, ClauseMatch()).absorb(found)
        return results if searchable else None

    # -- a whole query -----------------------------------------------------------------------

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        query = parse_query(text)
        matched: dict[str, ClauseMatch] | None = None
        for group in query.required:
            group_matches: dict[str, ClauseMatch] | None = None
            for clause in group:
                found = self.match_clause(clause)
                if found is None:
                    continue
                group_matches = group_matches or {}
                for doc_id, match in found.items():
                    group_matches.setdefault(doc_id, ClauseMatch()).absorb(match)
            if group_matches is None:
                continue  # only stop words: nothing to require
            if matched is None:
                matched = group_matches
            else:
                for doc_id in list(matched):
                    if doc_id in group_matches:
                        matched[doc_id].absorb(group_matches[doc_id])
                    else:
                        del matched[doc_id]
        if not matched:
            return []
        for clause in query.excluded:
            for doc_id in self.match_clause(clause) or {}:
                matched.pop(doc_id, None)
        ranked = sorted(matched.items(), key=lambda item: (-item[1].score, item[0]))[:limit]
        return [self._hit(doc_id, match) for doc_id, match in ranked]

    def _hit(self, doc_id: str, match: ClauseMatch) -> Hit:
        document = self.index.documents[doc_id]
        shown = next((f for f in ("body", *self.fields) if match.spans.get(f)), "body")
        text = document.fields.get(shown, "")
        return Hit(doc_id, match.score, document.fields.get("title", doc_id), snippet(text, match.spans.get(shown, [])))

    def ids(self, text: str, limit: int = 10) -> list[str]:
        return [hit.doc_id for hit in self.search(text, limit)]
