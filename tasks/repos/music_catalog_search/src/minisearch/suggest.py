""""Did you mean": for a query word the index does not know, the closest known words.

Distance is Damerau-Levenshtein (a swap of two neighbours counts once), limited to 2 edits;
among equally close words the one in more documents wins, then the alphabetically first.
"""

from __future__ import annotations

from more_itertools import unique_everseen

from minisearch.index import InvertedIndex
from minisearch.query import parse_query
from minisearch.text import fold

MAX_EDITS = 2


def edit_distance(a: str, b: str, limit: int = MAX_EDITS) -> int:
    """Optimal string alignment distance, or limit + 1 once it is certainly above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class Suggester:
    def __init__(self, index: InvertedIndex, fields: tuple[str, ...] = ("title", "artist", "tags")):
        # Name fields only: their words are unstemmed, so a suggestion is a word people type.
        self.index = index
        self.fields = [f for f in fields if f in index.fields]

    def _popularity(self, word: str) -> int:
        return sum(len(self.index.postings(f, word)) for f in self.fields)

    def vocabulary(self) -> list[str]:
        return sorted(set().union(*(self.index.vocabulary(f) for f in self.fields))) if self.fields else []

    def known(self, word: str) -> bool:
        return self._popularity(fold(word)) > 0

    def candidates(self, word: str, limit: int = 3) -> list[str]:
        folded = fold(word)
        if self.known(folded):
            return [folded]
        scored = []
        for known in self.vocabulary():
            distance = edit_distance(folded, known)
            if distance <= MAX_EDITS:
                scored.append((distance, -self._popularity(known), known))
        return [w for _, _, w in sorted(scored)[:limit]]

    def did_you_mean(self, query_text: str) -> str | None:
        """The query with each unknown plain word replaced by its best candidate, or None when
        every word is known or nothing close is."""
        query = parse_query(query_text)
        replaced = False
        out = []
        for group in query.required:
            for clause in group:
                if clause.phrase or clause.field or " " in clause.text:
                    out.append(clause.text)
                    continue
                best = self.candidates(clause.text, 1)
                if best and best[0] != fold(clause.text):
                    replaced = True
                    out.append(best[0])
                else:
                    out.append(clause.text)
        return " ".join(unique_everseen(out)) if replaced else None
