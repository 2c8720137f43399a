"""The scripts in client_examples/ run as documented and resolve their task."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import http_server

EXAMPLES = Path(__file__).resolve().parent.parent / "client_examples"
STEPS = ("start_task", "view_code", "run_tests", "replace_lines", "submit")


def run_example(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=180, cwd=EXAMPLES.parent
    )
    assert result.returncode == 0, f"{script} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def assert_resolved(stdout: str, backend: str) -> None:
    assert "tools: list_tasks, start_task" in stdout
    for step in STEPS:
        assert f">>> {step}(" in stdout
    assert re.search(r"Tests Passed: (\d+)/\1\b", stdout), "the visible tests never all passed"
    assert f"(sandbox: {backend}," in stdout
    assert "resolved: True" in stdout


def test_stdio_session_resolves(backend):
    assert_resolved(run_example("stdio_session.py", "--backend", backend), backend)


def test_http_session_resolves(backend):
    with http_server("--backend", backend) as (_, url):
        assert_resolved(run_example("http_session.py", "--url", url), backend)


def test_project_session_fixes_the_sample_project_and_prints_the_patch(backend):
    stdout = run_example("project_session.py", "--backend", backend)
    for step in ("open_project", "run_tests", "search_code", "replace_text", "submit"):
        assert f">>> {step}(" in stdout
    assert "(failing: tests/test_pricing.py::test_order_at_threshold_gets_discount)" in stdout
    assert "tests 4/4 pass" in stdout and f"(sandbox: {backend}," in stdout
    assert "diff --git a/shopcart/pricing.py b/shopcart/pricing.py" in stdout and "+    if subtotal >= DISCOUNT_THRESHOLD:" in stdout
