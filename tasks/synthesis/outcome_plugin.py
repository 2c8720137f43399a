"""A pytest plugin that runs inside a package's host venv during synthesis (standard library and
pytest only: it is loaded with `-p outcome_plugin` from this directory, never imported by debugbox).

It stops any test after SYNTH_TEST_TIMEOUT_S seconds (a mutant may loop forever) and writes every
test's outcome to the JSON file SYNTH_OUTCOMES: {"outcomes": {nodeid: "passed" | "failed" | "skipped" | "timeout"}, "messages": {nodeid: first line}}.
A test counts as passed only when its setup, call and teardown all pass.
"""

import json
import os
import signal

import pytest

_OUTCOMES: dict = {}
_MESSAGES: dict = {}  # nodeid -> the first line of its failure (e.g. "AssertionError: assert 2 == 3")
_TIMEOUT_S = float(os.environ.get("SYNTH_TEST_TIMEOUT_S") or 5)


class _TestTimeout(BaseException):
    """BaseException: a test's own `except Exception` must not swallow the timeout."""


def _on_alarm(signum, frame):
    raise _TestTimeout(f"test ran past {_TIMEOUT_S:g} s")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, _TIMEOUT_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pytest_runtest_logreport(report):
    if report.failed and report.longrepr is not None and "_TestTimeout" in str(report.longrepr):
        outcome = "timeout"
    else:
        outcome = report.outcome
    if report.failed and report.nodeid not in _MESSAGES:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = getattr(crash, "message", "") or str(report.longrepr).strip().splitlines()[-1:][0] if report.longrepr else ""
        _MESSAGES[report.nodeid] = (message.splitlines() or [""])[0][:300]
    current = _OUTCOMES.get(report.nodeid)
    if current in (None, "passed"):  # the first phase that did not pass decides
        if report.when == "call" or outcome != "passed":
            _OUTCOMES[report.nodeid] = outcome
        else:
            _OUTCOMES.setdefault(report.nodeid, "passed")


def pytest_collectreport(report):
    if report.failed:
        _OUTCOMES[f"<collect>{report.nodeid}"] = "error"


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("SYNTH_OUTCOMES")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"outcomes": _OUTCOMES, "messages": _MESSAGES}, f)
