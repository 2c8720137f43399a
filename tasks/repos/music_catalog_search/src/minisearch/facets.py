"""Facets: counts of tags and decades over a set of results, for the filter sidebar."""

from __future__ import annotations

from collections import Counter

from more_itertools import bucket

from minisearch.index import InvertedIndex


def tag_counts(index: InvertedIndex, doc_ids: list[str], top: int = 10) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for doc_id in doc_ids:
        tags = index.documents[doc_id].fields.get("tags", "")
        counts.update({t.strip().lower() for t in tags.split(",") if t.strip()})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def decade(year: object) -> str | None:
    if not isinstance(year, int) or year < 1000:
        return None
    return f"{year // 10 * 10}s"


def decade_counts(index: InvertedIndex, doc_ids: list[str]) -> list[tuple[str, int]]:
    groups = bucket(doc_ids, key=lambda d: decade(index.documents[d].meta.get("year")))
    found = [(name, sum(1 for _ in groups[name])) for name in groups if name is not None]
    return sorted(found)


def filter_by_tag(index: InvertedIndex, doc_ids: list[str], tag: str) -> list[str]:
    wanted = tag.strip().lower()
    return [d for d in doc_ids if wanted in {t.strip().lower() for t in index.documents[d].fields.get("tags", "").split(",")}]
