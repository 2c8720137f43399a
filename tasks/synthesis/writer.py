"""Write a kept candidate as a repository-shaped task directory (docs/TASKS.md, "Synthesize tasks").

- src/: the whole package with the bug(s); every module editable (the agent must find the spot);
- solution/: the pristine text of the changed modules;
- tests/: a few failing test units and a few passing ones, cut from the package's own modules;
- hidden_tests/: the other failing units plus every kept passing unit (pass-to-pass);
- description.md: the symptom (visible failing tests and their first failure line), never the spot;
- task.toml: limits, `[environment]` = the package's declared dependencies, `[synthesis]` = facts;
- the package's licence file beside task.toml.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tasks.synthesis.callgraph import distance
from tasks.synthesis.candidates import Baseline, Candidate
from tasks.synthesis.project import in_test_dir
from tasks.synthesis.suite import write_tree
from tasks.synthesis.testfilter import keep_units

MAX_VISIBLE_FAILING = 3
MAX_VISIBLE_PASSING = 3


def slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_")


def task_id(baseline: Baseline, candidate: Candidate) -> str:
    digest = hashlib.sha256("|".join(sorted(s.key + s.replacement for s in candidate.sites)).encode()).hexdigest()[:10]
    return f"synth_{slug(baseline.project.requirement.split('==')[0])}_{digest}"


@dataclass(frozen=True)
class Facts:
    bugs: int
    failing_tests: int
    distance: int | None  # calls from the nearest failing test to a changed function
    difficulty: str


def judge(baseline: Baseline, candidate: Candidate) -> Facts:
    """easy/medium for one bug, hard for several (issue 19); a single bug is medium when it is
    far from every failing test (2+ calls, or not found by name) or only one test notices it."""
    tests = {p: baseline.tests[p] for p in baseline.units}
    best: int | None = None
    for module, units in candidate.failing_units.items():
        for unit in units:
            for site in candidate.sites:
                d = distance(baseline.project.sources, tests, unit.split("::")[-1], site.function)
                if d is not None and (best is None or d < best):
                    best = d
    failing = len(candidate.failing)
    if len(candidate.sites) > 1:
        difficulty = "hard"
    elif best is not None and best <= 1 and failing >= 2:
        difficulty = "easy"
    else:
        difficulty = "medium"
    return Facts(len(candidate.sites), failing, best, difficulty)


def split_units(candidate: Candidate, rng: random.Random) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(visible failing units, hidden failing units); one failing unit is both visible and hidden."""
    failing = sorted((m, u) for m, units in candidate.failing_units.items() for u in units)
    rng.shuffle(failing)
    if len(failing) == 1:
        return failing, failing
    visible = failing[: max(1, min(MAX_VISIBLE_FAILING, len(failing) // 3))]
    return visible, failing[len(visible) :]


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_task(out: Path, baseline: Baseline, candidate: Candidate, *, seed: int) -> tuple[str, Facts]:
    project = baseline.project
    name, version = project.requirement.split("==")
    tid = task_id(baseline, candidate)
    rng = random.Random(f"{seed}:{tid}")
    visible_failing, hidden_failing = split_units(candidate, rng)
    failing_all = {(m, u) for m, units in candidate.failing_units.items() for u in units}
    hidden_keep = {m: (units - {u for mm, u in failing_all if mm == m}) | {u for mm, u in hidden_failing if mm == m} for m, units in baseline.units.items()}
    visible_keep: dict[str, set[str]] = {}
    for module, unit in visible_failing:
        visible_keep.setdefault(module, set()).add(unit)
    for module in list(visible_keep):
        passing = sorted(baseline.units[module] - {u for m, u in failing_all if m == module})
        visible_keep[module] |= set(rng.sample(passing, min(MAX_VISIBLE_PASSING, len(passing))))

    # Helpers of the tests' directory (conftest.py, __init__.py, _common.py) are read-only sources
    # at their project paths: both the visible and the hidden tests import them from there.
    test_dir = project.test_dir
    helpers = {in_test_dir(test_dir, p): t for p, t in baseline.tests.items() if p not in project.test_modules}
    visible = {f"tests/{m}": keep_units(baseline.tests[m], units) for m, units in visible_keep.items()}
    hidden = {f"hidden_tests/{m}": keep_units(baseline.tests[m], units) for m, units in hidden_keep.items() if units}

    facts = judge(baseline, candidate)
    changed = sorted({s.module for s in candidate.sites})
    editable = sorted(p for p in project.sources if p.endswith(".py"))
    main_file = next((p for p in editable if p.count("/") == 1 and p.endswith("/__init__.py")), editable[0])
    shown = [f"{m}::{u}" for m, u in sorted(visible_failing)]
    title = f"{name} {version}: {shown[0].split('::')[-1]}" + (f" and {facts.failing_tests - 1} more tests fail" if facts.failing_tests > 1 else " fails")

    lines = [f"# {title}", "", f"This is the source of the `{name}` package, version {version}, with its own test suite.",
             "Something in the package has been broken" + (" in more than one place" if facts.bugs > 1 else "") + ", and tests that passed on the released version now fail.", "",
             "Failing tests you can run (`run_tests`):", ""]
    for module, unit in sorted(visible_failing):
        nodeids = sorted(n for n in candidate.failing if n.startswith(f"{in_test_dir(test_dir, module)}::{unit}"))
        message = candidate.messages.get(nodeids[0], "") if nodeids else ""
        lines.append(f"- `{in_test_dir(test_dir, module)}::{unit}`" + (f": `{message[:200]}`" if message else ""))
    lines += ["", f"{facts.failing_tests} test(s) of the package's suite fail in all; the rest of the suite, which passes now, must keep passing.",
              "Fix the package (any of its modules may be at fault); do not change the tests. The scoring run uses more of the package's tests than you can see."]
    requires = project.requires
    toml = [f"id = {_toml_str(tid)}", f"title = {_toml_str(title[:200])}", f"difficulty = {_toml_str(facts.difficulty)}",
            f"tags = [\"synthesized\", {_toml_str(slug(name))}]", 'kind = "bugfix"', f"main_file = {_toml_str(main_file)}",
            "editable = [" + ", ".join(_toml_str(p) for p in editable) + "]", f"max_steps = {40 if facts.bugs == 1 else 60}",
            f"test_timeout_s = {baseline_test_timeout():g}", f"run_timeout_s = {baseline.run_timeout_s:g}"]
    toml += ["", "[tests]", f"visible_dir = {_toml_str(test_dir)}", f"hidden_dir = {_toml_str(test_dir)}"]
    if requires:
        toml += ["", "[environment]", "packages = [" + ", ".join(_toml_str(r) for r in requires) + "]"]
    toml += ["", "[synthesis]", f"package = {_toml_str(project.requirement)}", f"seed = {seed}",
             "mutators = [" + ", ".join(_toml_str(s.mutator) for s in candidate.sites) + "]", f"bugs = {facts.bugs}",
             f"failing_tests = {facts.failing_tests}", f"call_distance = {facts.distance if facts.distance is not None else -1}",
             f"files_changed = {len(changed)}"]
    text = "\n".join(toml) + "\n"
    tomllib.loads(text)

    task_dir = out / tid
    staging = out / f".{tid}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    write_tree(staging, {"task.toml": text, "description.md": "\n".join(lines) + "\n", project.licence_name: project.licence_text})
    write_tree(staging / "src", {**candidate.sources, **helpers})
    write_tree(staging / "solution", {p: project.sources[p] for p in changed})
    write_tree(staging, {**visible, **hidden})
    shutil.rmtree(task_dir, ignore_errors=True)
    staging.rename(task_dir)
    return tid, facts


def baseline_test_timeout() -> float:
    from tasks.synthesis.candidates import TEST_TIMEOUT_S

    return TEST_TIMEOUT_S
