"""Documents, and loading them from JSON lines (one object per line with an "id")."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

ALBUMS = Path(__file__).parent / "data" / "albums.jsonl"


@dataclass(frozen=True)
class Document:
    doc_id: str
    fields: dict[str, str] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.doc_id)


def document_from_record(record: dict, text_fields: tuple[str, ...] = ("title", "artist", "body", "tags")) -> Document:
    if "id" not in record:
        raise ValueError(f"record without an id: {record!r:.80}")
    fields = {}
    for name in text_fields:
        value = record.get(name)
        if value is None:
            continue
        fields[name] = ", ".join(value) if isinstance(value, list) else str(value)
    meta = {k: v for k, v in record.items() if k != "id" and k not in text_fields}
    return Document(str(record["id"]), fields, meta)


def load_documents(path: Path | str) -> list[Document]:
    documents = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            documents.append(document_from_record(json.loads(line)))
        except (json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"{path}:{line_no}: {exc}") from None
    return documents


def load_albums() -> list[Document]:
    return load_documents(ALBUMS)
