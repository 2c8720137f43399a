"""Trajectories people can read (issue 24), end to end: `debugbox eval --solver openai` against the
tests' OpenAI-compatible server writes one ATIF file per episode (valid against the published
schema, with the model's words and tokens merged in) and a report whose episodes open from disk.
The pages load in headless Chromium with no console message, a 400-step episode of large outputs
loads quickly, diffs are coloured line by line, and a screenshot shows the main elements.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from cli.main import main as debugbox
from harness.eval.cli import main as eval_main
from harness.viewer.episode_page import render_episode
from harness.viewer.text import classify
from tests.fake_openai import FakeOpenAI, Reply, call
from tests.helpers import http_server
from tests.test_eval_report import chromium, require_chromium
from tests.test_trajectory import check_atif

MODEL_VARIABLES = ("HF_TOKEN", "API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_BASE_URL", "MODEL_NAME")
FIX = {"start_line": 14, "end_line": 14, "new_code": "    while lo <= hi:"}


def said(content: str, name: str, **arguments) -> Reply:
    """A reply with the model's words and one tool call."""
    return Reply(tool_calls=[(name, arguments)], content=content)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("view") / "run"
    script = [
        said("Let me read the code first.", "view_code"),
        call("run_tests"),
        said("The loop stops one short: `lo < hi` must be `lo <= hi`.", "replace_lines", **FIX),
        call("run_tests"),
        said("The visible tests pass; submitting.", "submit"),
        # The second try errs, then gives up.
        call("view_code", start_line=9999),
        call("submit"),
    ]
    with pytest.MonkeyPatch.context() as mp, http_server("--backend", "local") as (_, url), FakeOpenAI(script) as fake:
        for name in MODEL_VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("API_BASE_URL", fake.base_url)
        mp.setenv("MODEL_NAME", "fake-model")
        mp.setenv("API_KEY", "test-key")
        status = eval_main(
            ["--solver", "openai", "--server-url", url, "--tasks", "binary_search_off_by_one", "--n-tries", "2",
             "--concurrency", "1", "--no-progress", "--out", str(out), "--model-retry-delay", "0.01"]
        )  # fmt: skip
    assert status == 0
    return out


def test_each_episode_is_written_as_valid_atif_with_the_models_words_and_the_servers_facts(run):
    files = sorted((run / "trajectories").glob("*.json"))
    assert [f.name for f in files] == ["binary_search_off_by_one__0.json", "binary_search_off_by_one__1.json"]
    solved, failed = (json.loads(f.read_text()) for f in files)
    for doc in (solved, failed):
        check_atif(doc)
    assert solved["agent"]["model_name"] == "fake-model"
    tools = [s["tool_calls"][0]["function_name"] for s in solved["steps"][1:]]
    assert tools == ["view_code", "run_tests", "replace_lines", "run_tests", "submit"]
    edit = solved["steps"][3]
    assert "lo <= hi" in edit["message"] and edit["tool_calls"][0]["arguments"] == FIX
    assert edit["metrics"] == {"prompt_tokens": 1, "completion_tokens": 1}
    assert "+    while lo <= hi:" in edit["observation"]["results"][0]["content"]
    facts = solved["extra"]
    assert facts["resolved"] is True and facts["submission"]["fixed"] == facts["submission"]["fail_to_pass"]
    assert "+    while lo <= hi:" in facts["final_diff"] and facts["stop_reason"] == "submitted"
    assert solved["final_metrics"]["total_prompt_tokens"] == 5
    assert failed["steps"][1]["extra"]["ok"] is False and failed["extra"]["final_diff"] == ""


def test_the_report_links_tasks_to_episodes_and_stays_self_contained(run):
    html = (run / "report.html").read_text()
    assert "<script" not in html.lower()
    links = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html, flags=re.IGNORECASE)
    outside = [link for link in links if not link.startswith("#")]
    assert outside and all(link.startswith("episodes/") and (run / link).is_file() for link in outside), outside
    assert "#0 ✓" in html and "#1 ✗" in html  # the task table's links to its tries
    for group in ("f-res", "f-stop", "f-task", "f-diff"):  # the filters, and a CSS rule per value
        assert f"name={group}" in html and f"body:has(#{group}-0:checked)" in html
    for page in (run / "episodes").glob("*.html"):
        text = page.read_text()
        assert "<script" not in text.lower() and "../report.html#episodes" in text


def test_the_pages_load_in_chromium_without_a_console_message(run, tmp_path):
    browser = require_chromium()
    for page in [run / "report.html", *sorted((run / "episodes").glob("*.html"))]:
        done = chromium(browser, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
        assert "CONSOLE" not in done.stderr and "Uncaught" not in done.stderr, done.stderr[-2000:]
        assert "</html>" in done.stdout


def test_debugbox_view_renders_a_run_and_a_single_trajectory(run, capsys):
    assert debugbox(["view", str(run), "--no-open"]) == 0
    assert capsys.readouterr().out.strip() == str((run / "report.html").resolve())
    single = run / "trajectories" / "binary_search_off_by_one__0.json"
    assert debugbox(["view", str(single), "--no-open"]) == 0
    page = Path(capsys.readouterr().out.strip())
    assert page.suffix == ".html" and "RESOLVED" in page.read_text()
    assert debugbox(["view", str(run / "nothing-here"), "--no-open"]) == 2


def test_diffs_are_coloured_line_by_line_and_only_inside_a_diff():
    text = "\n".join(
        [
            "- a list item, not a diff line",
            "--- a/m.py",
            "+++ b/m.py",
            "@@ -1,3 +1,3 @@",
            " context",
            "-    return lo < hi",
            "+    return lo <= hi",
            "",
            "FAILED tests/test_m.py::test_last - assert -1 == 4",
            "  12|    lo, hi = 0, len(items) - 1",
        ]
    )
    assert classify(text.split("\n")) == [None, "dfile", "dfile", "dhunk", "dctx", "ddel", "dadd", "dctx", "fail", "code"]


def long_episode(n_steps: int = 400) -> dict:
    """A trajectory like the server writes, with large outputs: diffs, failures, numbered code."""
    big = "\n".join(f"FAILED tests/test_x.py::test_{i} - AssertionError: assert {i} == {i + 1}" for i in range(150))
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-old = 1\n+new = 2\n context"
    steps = [{"step_id": 1, "source": "user", "message": "Episode ep_long started", "extra": {"tool": "start_task"}}]
    for i in range(2, n_steps + 1):
        tool, out = ("replace_lines", diff) if i % 3 == 0 else ("run_tests", big) if i % 3 == 1 else ("view_code", "\n".join(f"{n}|x = {n}" for n in range(1, 300)))
        steps.append(
            {"step_id": i, "source": "agent", "message": f"thinking about step {i}", "tool_calls": [{"tool_call_id": f"c{i}", "function_name": tool, "arguments": {"path": "x.py"}}],
             "observation": {"results": [{"source_call_id": f"c{i}", "content": out}]},
             "extra": {"ok": i % 17 != 0, "step": i - 1, "steps_remaining": 1000 - i, "reward": 0.01 if i % 5 == 0 else 0.0, "done": False}}
        )  # fmt: skip
    facts = {"task_id": "long_task", "title": "A long one", "difficulty": "hard", "resolved": False, "final_diff": diff, "description": "Fix it.",
             "submission": {"score": 0.0, "fixed": 0, "broken": 0, "fail_to_pass": 3, "pass_to_pass": 2, "hidden_passed": 2, "hidden_total": 5}}  # fmt: skip
    return {"schema_version": "ATIF-v1.7", "session_id": "ep_long", "agent": {"name": "test", "version": "1"}, "steps": steps, "extra": facts}


def test_a_long_episode_of_large_outputs_loads_quickly(tmp_path):
    browser = require_chromium()
    doc = long_episode()
    check_atif(doc)
    page = tmp_path / "long.html"
    page.write_text(render_episode(doc))
    assert page.stat().st_size < 40 * 1024 * 1024
    started = time.perf_counter()
    done = chromium(browser, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    took = time.perf_counter() - started
    assert done.stdout.count("<article class=") == 400 and "CONSOLE" not in done.stderr
    # Laid out lazily (content-visibility), so the whole page loads in seconds even on 2 shared cores.
    assert took < 30, f"{took:.1f} s to load a 400-step episode"


def test_a_screenshot_of_an_episode_shows_its_verdict_outcome_diff_and_steps(run, tmp_path):
    from PIL import Image

    browser = require_chromium()
    page = run / "episodes" / "binary_search_off_by_one__0.html"
    dom = chromium(browser, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    for element in ("id=\"title\"", "RESOLVED", "id=\"outcome\"", "Hidden: raw pass rate", "Final diff against the original", "id=\"steps\"", "class=\"dadd\""):
        assert element in dom, element
    assert "The loop stops one short" in dom and "step 3 · 27 left" in dom and "episode over" in dom
    shot = tmp_path / "episode.png"
    chromium(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,2400", "--hide-scrollbars", page.as_uri())
    colours = {colour: count for count, colour in Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20)}

    def pixels(hex_colour: str) -> int:
        return colours.get(tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)), 0)

    # The verdict badge, the added and removed lines of the final diff, the start step's accent.
    assert pixels("#e8f5e9") > 300 and pixels("#e6ffec") > 1000 and pixels("#ffebe9") > 1000 and pixels("#7e57c2") > 100, {
        c: pixels(c) for c in ("#e8f5e9", "#e6ffec", "#ffebe9", "#7e57c2")
    }
