"""The run directory: `episodes.jsonl` (one line per played episode, appended as it finishes),
`run.json` (what was asked), `summary.json`, `report.html` and the spawned server's log.

Resuming reads `episodes.jsonl` back: an episode (task, try) with a scored line is finished and
skipped; one with only system-error lines is played again. A run killed mid-write leaves at most
one torn last line; it is cut off before anything is appended, so every line stays valid JSON.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EPISODES_FILE = "episodes.jsonl"
RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"
SERVER_LOG = "server.log"
# A resumed run must measure the same thing: these settings may not change between runs. `schema`:
# a line's score meant the raw hidden pass rate before schema 2, so old and new lines must not mix.
FIXED_SETTINGS = ("schema", "solver", "model")


class RunConflict(Exception):
    """The run directory holds episodes of a different solver or model, or of an older record schema."""


class Recorder:
    def __init__(self, out: Path):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.episodes_path = self.out / EPISODES_FILE

    def load(self) -> list[dict[str, Any]]:
        """Every complete line recorded so far, after cutting a torn last line."""
        if not self.episodes_path.exists():
            return []
        data = self.episodes_path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):
            log.warning("%s: dropping a torn last line (%d bytes) left by an interrupted run", self.episodes_path, len(data) - len(complete))
            with open(self.episodes_path, "r+b") as f:
                f.truncate(len(complete))
        lines = []
        for number, raw in enumerate(complete.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError as exc:
                log.warning("%s:%d: not JSON (%s); ignored", self.episodes_path, number, exc.msg)
        return lines

    def append(self, line: Mapping[str, Any]) -> None:
        # One write per line, flushed and synced: a crash loses at most the line being written.
        text = json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        with open(self.episodes_path, "a", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    def claim(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Record what this run asks for in run.json; refuse a directory made by another solver or model."""
        path = self.out / RUN_FILE
        previous = json.loads(path.read_text()) if path.exists() else None
        if previous is not None:
            for name in FIXED_SETTINGS:
                if previous.get(name) != settings.get(name):
                    raise RunConflict(
                        f"{self.out} holds a run with {name}={previous.get(name)!r}, not {settings.get(name)!r}: "
                        "use another --out (episodes of different solvers, models or record schemas must not be mixed)."
                    )
        merged = {**settings, "runs": (previous or {}).get("runs", 0) + 1}
        if previous is not None:
            merged["first_started_at"] = previous.get("first_started_at", previous.get("started_at"))
        else:
            merged["first_started_at"] = settings.get("started_at")
        self.write_json(RUN_FILE, merged)
        return merged

    def write_json(self, name: str, data: Any) -> Path:
        return self.write_text(name, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")

    def write_text(self, name: str, text: str) -> Path:
        """Write atomically (a temporary file renamed over the old one): a reader never sees half a file."""
        path = self.out / name
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
        return path


def final_by_key(lines: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The line that stands for each episode: its first scored line, else its last system error."""
    final: dict[str, Mapping[str, Any]] = {}
    for line in lines:
        current = final.get(line["key"])
        if current is None or current["outcome"] != "scored":
            final[line["key"]] = line
    return final


def attempts_by_key(lines: Iterable[Mapping[str, Any]]) -> Counter[str]:
    return Counter(line["key"] for line in lines)
