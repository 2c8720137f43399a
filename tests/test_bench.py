"""The benchmark still runs: `python -m bench.bench_docker --quick` against the Docker engine, into a
temp file, and its report has every section and row. Figures are not checked (timings are noisy)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_docker

REPO = Path(__file__).resolve().parent.parent

def test_quick_bench_writes_every_section_and_row(tmp_path):
    require_docker()  # skips outside CI without an engine; fails in CI
    from bench.report import SECTIONS

    out = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_docker", "--quick", "--repeat", "2", "--levels", "1,2", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    for heading in SECTIONS:
        assert heading in text, heading
    for row in (
        "start_task, warm pool (hit)", "start_task, no pool (miss)", "run_tests, 3 tests", "run_tests, 30 tests",
        "docker exec pytest, 3 tests", "docker exec pytest, 30 tests", "docker run --rm pytest, 3 tests",
        "docker run --rm pytest, 30 tests", "host warm pytest (floor), 3 tests", "host warm pytest (floor), 30 tests",
        "| run_python |", "| view_code |", "pooled container", "idle episode", "- reproduce:", "- cores (nproc): ",
        "`run_tests` p50 - host floor p50, 30 tests", "memory per idle episode", "oracle episodes/s at concurrency 8",
        "server memory per episode after 500 edits", "baseline: a full copy of the files per edit (before issue 15)",
    ):  # fmt: skip
        assert row in text, row
    throughput = text.split("## Oracle episodes per second")[1].split("## Memory")[0]
    assert "| 1 | 1 | 2 | 0 |" in throughput and "| 2 | 2 | 4 | 0 |" in throughput, throughput
    # CPU per episode by part: the machine's share and the ceiling it implies are figures, not "?".
    cpu_rows = re.findall(r"^\| (1|2) \| ([0-9.]+) \| [0-9.?]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| ([0-9.]+) \|$", throughput, re.M)
    assert [row[0] for row in cpu_rows] == ["1", "2"] and all(float(row[1]) > 0 for row in cpu_rows), throughput
    assert "not measured" not in text.split("## Latency")[0].split("memory per idle episode")[1].split("\n")[0]
    assert "## Failed calls" not in text, text.split("## Failed calls")[-1]
    # 500 edits of a 350 KB file: about one copy of the file, where a snapshot per edit held ~170 MiB.
    edits = re.search(r"^\| server memory per episode after 500 edits \| 500 \| ([0-9.]+) \|", text, re.M)
    baseline = re.search(r"^\| baseline: a full copy of the files per edit \(before issue 15\) \| 500 \| ([0-9.]+) \|", text, re.M)
    assert edits and baseline and float(edits.group(1)) < 2 < 100 < float(baseline.group(1)), text.split("## Memory")[1][:3000]
    assert "(0 failed)" in text.split("## Memory")[1]


def test_debugger_bench_writes_its_targets_and_baseline(tmp_path):
    require_docker()
    out = tmp_path / "BENCHMARKS_DEBUGGER.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.debugger", "--repeat", "2", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    for row in ("`debug_command` round trip p50", "`debug_start` to first breakpoint / `run_tests`", "`docker exec python3 -m pdb`, one command"):
        assert row in text, row
    assert " 0 (" not in text  # every measure has samples


def test_search_bench_writes_its_targets_and_ratios(tmp_path):
    """bench/search.py needs no Docker: a small project, two rounds."""
    out = tmp_path / "BENCHMARKS_SEARCH.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.search", "--repeat", "2", "--files", "60", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    for row in ("`search_code` over 60 files, p50, rare identifier", "| common word |", "search_code / grep", "grep -rn, regex"):
        assert row in text, row


def test_kubernetes_bench_writes_its_sections(tmp_path):
    """bench/kubernetes.py against the fake API server (no cluster, no Docker): a few claims."""
    out = tmp_path / "BENCHMARKS_KUBERNETES.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.kubernetes", "--claims", "3", "--live", "0,2", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    for heading in ("Control-plane calls per episode", "Claim-to-ready with a warm pool", "What a live sandbox costs the server"):
        assert f"## {heading}" in text
    assert "| pods | 4 |" in text and "| agent-sandbox | 5 |" in text
