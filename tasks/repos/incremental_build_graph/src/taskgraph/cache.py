"""The record of successful runs: for each job, the fingerprint it ran with and the digests of
the outputs it wrote. A job is up to date when its fingerprint is unchanged and its outputs are
still there, unmodified."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from taskgraph.fingerprint import file_digest

FORMAT_VERSION = 2


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    outputs: dict[str, str] = field(default_factory=dict)  # path -> digest


class BuildCache:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def fresh(self, name: str, fingerprint: str, files: dict[str, str]) -> bool:
        entry = self.entries.get(name)
        if entry is None or entry.fingerprint != fingerprint:
            return False
        return all(file_digest(files.get(path)) == digest for path, digest in entry.outputs.items())

    def record(self, name: str, fingerprint: str, outputs: dict[str, str]) -> None:
        self.entries[name] = Entry(fingerprint, {path: file_digest(content) for path, content in sorted(outputs.items())})

    def forget(self, name: str) -> None:
        self.entries.pop(name, None)

    def clear(self) -> None:
        self.entries.clear()

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def to_json(self) -> str:
        data = {"version": FORMAT_VERSION, "jobs": {n: {"fingerprint": e.fingerprint, "outputs": e.outputs} for n, e in sorted(self.entries.items())}}
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BuildCache:
        cache = cls()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return cache  # a corrupt cache only costs a full rebuild
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            return cache
        for name, raw in data.get("jobs", {}).items():
            cache.entries[name] = Entry(raw["fingerprint"], dict(raw.get("outputs", {})))
        return cache
