"""report.html of a real `debugbox eval` run, opened offline in headless Chromium (Debian's
`chromium`): the DOM after load holds the summary, the per-task table and the three charts as
drawn SVG, the page fetches nothing, and a screenshot shows the bars in their colours.

Chromium is required in CI (.ci/run installs it); elsewhere these tests skip without it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.eval.charts import FAILED_COLOR, RAW_RATE_COLOR, RESOLVED_COLOR, SCORE_COLOR
from harness.eval.cli import main as eval_main
from harness.eval.solvers import BaseSolver, register
from harness.eval.solvers.noop import SubmitAtOnce
from harness.eval.solvers.oracle import ReferenceSolution

CHARTS = ("score-by-difficulty", "steps-distribution", "step-latency")
TASKS = "binary_search_off_by_one,median_even_length,lru_cache_eviction_order,bank_ledger_transfers"
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # offline means offline: no name resolves
]


def require_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("no chromium on PATH, and CI must run the report tests (.ci/run installs Debian's chromium)")
    pytest.skip("no chromium on PATH (apt-get install chromium to run these; CI always does)")


@register
class HalfOracle(BaseSolver):
    """The oracle on even tries, noop on odd ones: a run with both outcomes to chart."""

    name = "test-half-oracle"

    def policy(self, context):
        return ReferenceSolution(context.task) if context.try_index % 2 == 0 else SubmitAtOnce()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    status = eval_main(["--solver", "test-half-oracle", "--backend", "local", "--tasks", TASKS, "--n-tries", "2", "--no-progress", "--out", str(out)])
    assert status == 0
    return out / "report.html"


def chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [browser, *HEADLESS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180, check=True
    )


class ChartCounter(HTMLParser):
    """For each <figure id="chart-..."> of the DOM: its svg elements and the shapes drawn inside."""

    def __init__(self):
        super().__init__()
        self.charts: dict[str, dict[str, int]] = {}
        self.tables = 0
        self._current: str | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables += 1
        if tag == "figure" and (attrs.get("id") or "").startswith("chart-"):
            self._current, self._depth = attrs["id"].removeprefix("chart-"), 0
            self.charts[self._current] = {"svg": 0, "shapes": 0, "text": 0}
        elif self._current is not None:
            if tag == "figure":
                self._depth += 1
            counts = self.charts[self._current]
            if tag == "svg":
                counts["svg"] += 1
            elif tag in ("path", "rect", "use", "line", "polyline"):
                counts["shapes"] += 1
            elif tag == "text":
                counts["text"] += 1

    def handle_endtag(self, tag):
        if tag == "figure" and self._current is not None:
            if self._depth == 0:
                self._current = None
            else:
                self._depth -= 1


def test_the_report_is_self_contained(report):
    html = report.read_text()
    assert "<script" not in html.lower()  # nothing to run, nothing to load
    references = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html, flags=re.IGNORECASE)
    # Only links to the episode pages beside it, in the run directory (harness/viewer/run_pages.py).
    external = [r for r in references if not r.startswith("#") and not (r.startswith("episodes/") and (report.parent / r).is_file())]
    assert external == [], external
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(?!#)", html)  # only url(#clip-path) ids


def test_the_report_in_headless_chromium_shows_its_tables_and_charts(report, tmp_path):
    browser = require_chromium()
    dom = chromium(browser, tmp_path / "profile", "--dump-dom", report.as_uri()).stdout
    counter = ChartCounter()
    counter.feed(dom)
    assert set(counter.charts) == set(CHARTS)
    for name, counts in counter.charts.items():
        assert counts["svg"] == 1, (name, counts)
        assert counts["shapes"] >= 10 and counts["text"] >= 3, (name, counts)  # drawn axes, bars and labels
    assert counter.tables == 5  # summary, by difficulty, tasks, episodes, by tag
    for text in ("debugbox eval: test-half-oracle", "Resolved rate", "pass@2", "binary_search_off_by_one", "Score by difficulty", "Step latency by tool"):
        assert text in dom, text
    assert "50.0%" in dom  # every task resolved on one try of two
    # The mean score and the mean raw hidden pass rate side by side, and what each one means.
    for text in ("Mean score", "Mean raw hidden pass rate", "raw hidden pass rate [95%]", "Reward mode", "shaped", "F/P"):
        assert text in dom, text
    explained = re.search(r'<p class="note" id="scores-explained">(.*?)</p>', dom, flags=re.S)
    assert explained, "the report explains the score and the raw hidden pass rate"
    words = re.sub(r"<[^>]+>", "", explained[1])
    assert "only what the agent changed" in words and "untouched" in words and "already passed" in words


def test_the_raw_hidden_pass_rate_is_above_the_score_when_the_original_passes_some(report):
    """Noop tries score 0 but keep what the original already passes: the raw rate shows it, the score does not."""
    import json

    summary = json.loads((report.parent / "summary.json").read_text())
    overall = summary["overall"]
    assert overall["mean_score"]["value"] == pytest.approx(0.5)  # the oracle's 1 and noop's 0, per task
    assert overall["mean_hidden_pass_rate"]["value"] > overall["mean_score"]["value"]
    for row in summary["tasks"]:
        assert row["mean_hidden_pass_rate"] >= row["mean_score"] and row["fail_to_pass"] >= 1


def test_the_charts_are_painted(report, tmp_path):
    from PIL import Image

    browser = require_chromium()
    shot = tmp_path / "report.png"
    chromium(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars", report.as_uri())
    image = Image.open(shot).convert("RGB")
    colours = {colour: count for count, colour in image.getcolors(maxcolors=1 << 20)}

    def pixels(hex_colour: str) -> int:
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return colours.get(rgb, 0)

    # Solid bars in the chart colours: mean score and resolved rate, and the not-resolved histogram.
    assert pixels(SCORE_COLOR) > 500 and pixels(RAW_RATE_COLOR) > 500 and pixels(RESOLVED_COLOR) > 500 and pixels(FAILED_COLOR) > 200, {
        c: pixels(c) for c in (SCORE_COLOR, RAW_RATE_COLOR, RESOLVED_COLOR, FAILED_COLOR)
    }
