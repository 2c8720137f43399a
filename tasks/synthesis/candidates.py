"""The pristine baseline of a package's suite and the filter every candidate bug must pass.

Baseline: the suite runs twice on the pristine source; a test unit (a test function or method,
all its parameter cases) is kept only when every case passed both times; the others are cut from
the test files, and the cut suite must pass whole once more. Candidate: the bugs applied, the
kept suite run twice; it is kept only when the code still imports, at least one test fails, the
two runs agree, no test hits its timeout and the run ends within its limit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tasks.synthesis.mutators import Site, mutate
from tasks.synthesis.project import Project, in_test_dir
from tasks.synthesis.suite import SuiteRun, run_suite
from tasks.synthesis.testfilter import keep_units, unit_of, units_in

TEST_TIMEOUT_S = 5.0


class BaselineError(Exception):
    pass


@dataclass
class Baseline:
    project: Project
    python: Path
    tests: dict[str, str]  # relative to the tests dir, cut to the kept units
    units: dict[str, set[str]]  # test module -> kept units
    seconds: float  # the slower of the pristine runs of the cut suite
    run_timeout_s: float

    def files(self, sources: dict[str, str]) -> dict[str, str]:
        return project_files(sources, self.project.test_dir, self.tests)

    @property
    def targets(self) -> list[str]:
        return [in_test_dir(self.project.test_dir, m) for m in self.units]

    @property
    def unit_count(self) -> int:
        return sum(len(u) for u in self.units.values())


def project_files(sources: dict[str, str], test_dir: str, tests: dict[str, str]) -> dict[str, str]:
    """The workspace of a run: the package and the tests' directory, as a task's sandbox lays them."""
    return {**sources, **{in_test_dir(test_dir, p): t for p, t in tests.items()}}


def _units_passing(runs: list[SuiteRun]) -> dict[str, set[str]]:
    good: dict[str, set[str]] = defaultdict(set)
    bad: dict[str, set[str]] = defaultdict(set)
    for run in runs:
        for nodeid, outcome in run.outcomes.items():
            if nodeid.startswith("<collect>"):
                bad[nodeid.removeprefix("<collect>").rsplit("/", 1)[-1]].add("*")
                continue
            module, unit = unit_of(nodeid)
            (good if outcome == "passed" else bad)[module].add(unit)
    return {m: units - bad[m] for m, units in good.items() if "*" not in bad[m] and units - bad[m]}


def prepare_baseline(project: Project, python: Path, scratch: Path | None = None) -> Baseline:
    limit = 600.0
    files = project_files(project.sources, project.test_dir, project.tests)
    targets = [in_test_dir(project.test_dir, m) for m in project.test_modules]
    runs = [run_suite(python, files, targets, test_timeout_s=TEST_TIMEOUT_S, run_timeout_s=limit, scratch=scratch) for _ in range(2)]
    if any(r is None or not r.outcomes for r in runs):
        raise BaselineError(f"package {project.requirement}: its test suite did not run on the pristine source")
    units = _units_passing(runs)  # type: ignore[arg-type]
    if not units:
        raise BaselineError(f"package {project.requirement}: no test passes on the pristine source")
    tests = {p: t for p, t in project.tests.items() if p not in project.test_modules}
    for module in project.test_modules:
        if module in units:
            tests[module] = keep_units(project.tests[module], units[module])
            units[module] &= units_in(tests[module])
    cut = Baseline(project, python, tests, units, 0.0, limit)
    check = run_suite(python, cut.files(project.sources), cut.targets, test_timeout_s=TEST_TIMEOUT_S, run_timeout_s=limit, scratch=scratch)
    if check is None or not check.outcomes or any(o != "passed" for o in check.outcomes.values()):
        raise BaselineError(f"package {project.requirement}: the suite cut to its passing tests does not pass whole")
    cut.seconds = max(check.seconds, *(r.seconds for r in runs if r))
    # Room for a slower machine and a loaded sandbox; no candidate may come near it (see evaluate).
    cut.run_timeout_s = float(max(60, round(cut.seconds * 10)))
    return cut


@dataclass
class Candidate:
    sites: tuple[Site, ...]
    sources: dict[str, str]  # the package with the bugs
    failing: frozenset[str]  # node ids
    messages: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failing_units(self) -> dict[str, set[str]]:
        units: dict[str, set[str]] = defaultdict(set)
        for nodeid in self.failing:
            module, unit = unit_of(nodeid)
            units[module].add(unit)
        return units

    @property
    def signature(self) -> tuple:
        return signature_of(self.sites, self.failing)


def apply_sites(sources: dict[str, str], sites: tuple[Site, ...]) -> dict[str, str] | None:
    mutated = dict(sources)
    # Later sites first in each module, so earlier sites' offsets still hold.
    for site in sorted(sites, key=lambda s: (s.module, s.lineno, s.col), reverse=True):
        text = mutate(mutated[site.module], site)
        if text is None:
            return None
        mutated[site.module] = text
    return mutated


def signature_of(sites: tuple[Site, ...], failing: frozenset[str]) -> tuple:
    """Near-duplicates: the same failing tests from a bug in the same function(s)."""
    return (tuple(sorted(f"{s.module}:{s.function}" for s in sites)), failing)


def evaluate(baseline: Baseline, sites: tuple[Site, ...], scratch: Path | None = None, seen: frozenset | set = frozenset()) -> Candidate | str:
    """A kept candidate, or the reason it was rejected (one word, counted in the report).
    `seen`: signatures already kept; a candidate with one of them stops after its first run."""
    sources = apply_sites(baseline.project.sources, sites)
    if sources is None:
        return "does_not_compile"
    files = baseline.files(sources)
    # A candidate must finish well inside the task's run limit, or its score would depend on the machine.
    budget = max(20.0, baseline.run_timeout_s / 3)
    runs = []
    for _ in range(2):
        run = run_suite(baseline.python, files, baseline.targets, test_timeout_s=TEST_TIMEOUT_S, run_timeout_s=budget, scratch=scratch)
        if run is None:
            return "run_timeout"
        if any(n.startswith("<collect>") for n in run.outcomes) or not run.outcomes:
            return "does_not_import"
        if any(o == "timeout" for o in run.outcomes.values()):
            return "test_timeout"
        failing = frozenset(n for n, o in run.outcomes.items() if o != "passed")
        if not failing:
            return "equivalent"
        if not runs and signature_of(sites, failing) in seen:
            return "near_duplicate"
        runs.append((run, failing))
    if runs[0][1] != runs[1][1]:
        return "nondeterministic"
    run, failing = runs[0]
    if len(failing) == len(run.outcomes):
        return "breaks_everything"
    return Candidate(sites, sources, failing, {n: run.messages.get(n, "") for n in failing}, max(r.seconds for r, _ in runs))
