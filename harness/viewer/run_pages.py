"""A run directory's episode pages: each trajectory in <out>/trajectories/ rendered to
<out>/episodes/<same name>.html, linked back to the run's report.html. The folder opens from disk."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from harness.viewer.episode_page import render_episode

log = logging.getLogger(__name__)

TRAJECTORY_DIR = "trajectories"
PAGES_DIR = "episodes"


def write_episode_pages(out: Path, report_name: str = "report.html") -> dict[str, str]:
    """Renders every trajectory; returns `task#try` -> the page's path relative to `out`."""
    pages: dict[str, str] = {}
    for path in sorted((out / TRAJECTORY_DIR).glob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            log.warning("skipping unreadable trajectory %s: %s", path, exc)
            continue
        facts = doc.get("extra") or {}
        page = out / PAGES_DIR / (path.stem + ".html")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render_episode(doc, back=f"../{report_name}#episodes"), encoding="utf-8")
        pages[f"{facts.get('task_id')}#{facts.get('try')}"] = f"{PAGES_DIR}/{page.name}"
    return pages
