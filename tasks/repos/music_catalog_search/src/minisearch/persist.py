"""Saving a catalogue index and loading it back.

Only the documents and the analyzer's field settings are saved, with a format version: the
postings are rebuilt on load, so a saved file never disagrees with the code that reads it.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from minisearch.analysis import Analyzer, FieldSettings
from minisearch.corpus import Document
from minisearch.index import InvertedIndex

FORMAT = "minisearch-index"
VERSION = 1


def dumps(index: InvertedIndex) -> str:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "fields": {name: asdict(settings) for name, settings in index.analyzer.fields.items()},
        "documents": [
            {"id": doc.doc_id, "fields": doc.fields, "meta": doc.meta}
            for doc in sorted(index.documents.values(), key=lambda d: d.doc_id)
        ],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)


def loads(text: str) -> InvertedIndex:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a saved index: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a saved index")
    if data.get("version") != VERSION:
        raise ValueError(f"saved index version {data.get('version')!r}; this code reads version {VERSION}")
    fields = {name: FieldSettings(**settings) for name, settings in data["fields"].items()}
    index = InvertedIndex(Analyzer(fields))
    index.add_all(Document(raw["id"], dict(raw["fields"]), dict(raw.get("meta", {}))) for raw in data["documents"])
    return index
