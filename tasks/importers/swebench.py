"""SWE-bench instances -> repository-shaped tasks (docs/TASKS.md, "SWE-bench format").

The instance format SWE-bench, SWE-Gym, SWE-smith and R2E-Gym share: JSON lines with
`instance_id`, `repo`, `base_commit`, `patch` (the gold fix), `test_patch`, `FAIL_TO_PASS` and
`PASS_TO_PASS` (lists of pytest node ids, or those lists JSON-encoded), and optionally
`problem_statement`, `image_name`, `environment_setup_commit` and `requirements`.

Repositories come from a directory of git checkouts (`<repos>/<owner>__<name>`, `<repos>/<owner>/<name>`
or `<repos>/<name>`). The tree at `base_commit` is read with `git archive` (the checkout is never
changed), the test patch and the gold patch are applied with `git apply` in scratch directories:

- src/      the tree at base_commit with the test patch applied, minus the test files the
            instance names (they become the tests);
- tests/    visible tests: every FAIL_TO_PASS test of the first third (at least one) and a seeded
            sample of PASS_TO_PASS, each test file cut down to the chosen tests, at its project path;
- hidden_tests/  every FAIL_TO_PASS and PASS_TO_PASS test at its project path (so `resolved` means
            what SWE-bench calls resolved), the rest of each file cut away;
- solution/ the files the gold patch changes, patched;
- editable  every non-test Python file of the project (scope "source", the default: as in SWE-bench,
            the agent is not told where the fix goes), or only the files the gold patch touches
            (scope "patch"); never configuration or test code (the loader's rules);
- [environment] the instance's `requirements` (a requirements text or a list).

Instances an image already holds (`image_name`, as SWE-bench publishes) and no checkout does:
the image's `/testbed` is copied out of a container that never starts (tasks/importers/image_repository.py),
read at base_commit when it carries its history and as it is when it does not, and the image's
installed packages become the `[environment]` unless the instance names `requirements`.
"""

from __future__ import annotations

import ast
import io
import json
import random
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sandbox.environment_request import MAX_REQUIREMENTS
from tasks.importers import image_repository
from tasks.importers.common import Skipped, TaskDraft, judge_difficulty, run_timeout_for, slug
from tasks.loader import IGNORED_NAMES, MAX_TASK_FILE_BYTES
from tasks.model import CONFIG_FILE_NAMES, TEST_FILE_NAME, Difficulty

REPO = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
NODE_ID = re.compile(r"^([\w./-]+\.py)::([\w.:\[\]\-, =+/'\"]+)$")
TEST_DIR_NAMES = {"tests", "test", "testing"}
# Modules a project ships for its tests' assertions (numpy.testing, pandas._testing, xarray/testing.py):
# the hidden tests judge the code through them, so an editable one could pass every test by asserting
# nothing. Read-only, unless the gold patch itself changes one.
TEST_SUPPORT_NAMES = {"testing", "_testing"}
VISIBLE_FAIL_FRACTION = 1 / 3
VISIBLE_PASS_SAMPLE = 5
GIT_TIMEOUT_S = 120
SCOPES = ("source", "patch")


@dataclass
class Instance:
    instance_id: str
    repo: str
    base_commit: str
    patch: str
    test_patch: str
    fail_to_pass: list[str]
    pass_to_pass: list[str]
    problem_statement: str = ""
    image_name: str | None = None
    requirements: list[str] | None = None


def _node_list(value, field: str) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{field} must be a list of node ids (or one JSON-encoded)")
    return value


def parse_instance(row: dict) -> Instance:
    """One JSON line as an Instance; ValueError names the field that is wrong."""
    missing = [f for f in ("instance_id", "repo", "base_commit", "patch", "test_patch", "FAIL_TO_PASS", "PASS_TO_PASS") if not row.get(f) and f != "PASS_TO_PASS"]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    requirements = row.get("requirements")
    if isinstance(requirements, str):
        requirements = [line.strip() for line in requirements.splitlines() if line.strip() and not line.strip().startswith("#")]
    if requirements is not None and not (isinstance(requirements, list) and all(isinstance(r, str) for r in requirements)):
        raise ValueError("requirements must be a requirements text or a list of requirements")
    if not re.fullmatch(r"[0-9a-f]{7,40}", str(row["base_commit"])):
        raise ValueError(f"base_commit {str(row['base_commit'])[:60]!r} is not a commit hash")
    # The repo names a directory under --repos: 'x//home/me/private' or '../..' would have read a
    # checkout anywhere on the host into the task, and so to every agent that plays it.
    if not isinstance(row["repo"], str) or not REPO.fullmatch(row["repo"]) or any(part in (".", "..") for part in row["repo"].split("/")):
        raise ValueError(f"repo {str(row['repo'])[:80]!r} is not OWNER/NAME (letters, digits, '-', '_', '.')")
    if row.get("image_name") is not None and not isinstance(row["image_name"], str):
        raise ValueError("image_name must be an image reference (a string)")
    return Instance(
        instance_id=str(row["instance_id"]),
        repo=str(row["repo"]),
        base_commit=str(row["base_commit"]),
        patch=str(row["patch"]),
        test_patch=str(row["test_patch"]),
        fail_to_pass=_node_list(row["FAIL_TO_PASS"], "FAIL_TO_PASS"),
        pass_to_pass=_node_list(row.get("PASS_TO_PASS") or [], "PASS_TO_PASS"),
        problem_statement=str(row.get("problem_statement") or ""),
        image_name=row.get("image_name") or None,
        requirements=requirements or None,
    )


# -- the repository --------------------------------------------------------------------------


def find_checkout(repos: Path, repo: str) -> Path | None:
    owner, _, name = repo.partition("/")
    for candidate in (repos / f"{owner}__{name}", repos / owner / name, repos / (name or owner)):
        if (candidate / ".git").exists():
            return candidate
    return None


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"git {args[0]} failed: {done.stderr.decode(errors='replace').strip()[:300]}")
    return done.stdout


def tree_at(checkout: Path, commit: str, into: Path) -> None:
    """The checkout's tree at `commit`, written into `into` (the checkout itself is untouched)."""
    archive = _git(["archive", "--format=tar", commit], checkout)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def apply_patch(tree: Path, patch: str, what: str) -> None:
    if patch.strip():
        try:
            _git(["apply", "--whitespace=nowarn", "-"], tree, patch.encode())
        except RuntimeError as exc:
            raise RuntimeError(f"the {what} does not apply at base_commit: {exc}") from None


def read_tree(root: Path) -> tuple[dict[str, str], int]:
    """Every UTF-8 text file under 1 MB, keyed by POSIX path; and how many others were left out."""
    files, left_out = {}, 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.is_symlink() or any(p in IGNORED_NAMES or p == ".git" for p in rel.parts):
            continue
        try:
            if path.stat().st_size > MAX_TASK_FILE_BYTES:
                raise ValueError
            files[rel.as_posix()] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, ValueError):
            left_out += 1
    return files, left_out


def patched_paths(patch: str) -> tuple[list[str], list[str]]:
    """The files a unified diff changes or creates, and those it deletes."""
    changed, deleted = [], []
    for block in re.split(r"^diff --git ", patch, flags=re.M)[1:]:
        new = re.search(r"^\+\+\+ (?:b/)?(.+)$", block, re.M)
        if new and new.group(1).strip() != "/dev/null":
            changed.append(new.group(1).strip())
        elif (old := re.search(r"^--- (?:a/)?(.+)$", block, re.M)):
            deleted.append(old.group(1).strip())
    return changed, deleted


# -- cutting test files down to chosen tests ---------------------------------------------------


def keep_tests(source: str, keep: set[str]) -> str:
    """The test module with only the tests named in `keep` (`test_x`, `TestC::test_y`; parameters
    ignored): every other test function or method is cut out with its decorators, and a test class
    left with no test loses its tests only (its helpers may be used elsewhere)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []

    def span(node) -> tuple[int, int]:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        return first - 1, node.end_lineno

    def visit(body, prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                if f"{prefix}{node.name}" not in keep:
                    cut.append(span(node))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                visit(node.body, f"{prefix}{node.name}::")

    visit(tree.body, "")
    for start, end in sorted(cut, reverse=True):
        indent = re.match(r"\s*", lines[start]).group(0)
        lines[start:end] = [f"{indent}pass  # a test cut by the importer\n"] if indent else []
    return "".join(lines)


def by_file(node_ids: list[str]) -> dict[str, set[str]]:
    files: dict[str, set[str]] = {}
    for node in node_ids:
        path, _, name = node.partition("::")
        files.setdefault(path, set()).add(name.split("[", 1)[0])
    return files


def choose_visible(inst: Instance, seed: int) -> list[str]:
    rng = random.Random(f"{seed}:{inst.instance_id}")
    fails = sorted(inst.fail_to_pass)
    chosen = fails[: max(1, int(len(fails) * VISIBLE_FAIL_FRACTION))]
    passes = sorted(inst.pass_to_pass)
    return chosen + sorted(rng.sample(passes, min(len(passes), VISIBLE_PASS_SAMPLE)))


def is_test_code(path: str, test_dirs: set[str]) -> bool:
    pure = PurePosixPath(path)
    return (
        TEST_FILE_NAME.fullmatch(pure.name) is not None
        or pure.name in CONFIG_FILE_NAMES
        or any(part in TEST_DIR_NAMES for part in pure.parts[:-1])
        or (str(pure.parent) in test_dirs and str(pure.parent) != ".")
    )


def is_test_support(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.stem in TEST_SUPPORT_NAMES or any(part in TEST_SUPPORT_NAMES for part in pure.parts[:-1])


# -- one instance --------------------------------------------------------------------------------


def _write_base_tree(inst: Instance, repos: Path | None, scratch: Path, into: Path) -> None:
    """The repository at base_commit, written into `into`: from a checkout in `repos` when there is
    one, else from the instance's image."""
    checkout = find_checkout(repos, inst.repo) if repos is not None else None
    if checkout is not None:
        tree_at(checkout, inst.base_commit, into)
        return
    if not inst.image_name:
        where = f"in {repos} (looked for {inst.repo.replace('/', '__')}, {inst.repo}, {inst.repo.split('/')[-1]})" if repos is not None else "(no --repos DIR given)"
        raise ValueError(f"no checkout of {inst.repo} {where}, and the instance names no image_name that holds it")
    copied = scratch / "image"
    if not copied.exists():
        copied.mkdir()
        image_repository.copy_repository(inst.image_name, copied)
    root = copied / PurePosixPath(image_repository.REPOSITORY_PATH).name
    if (root / ".git").exists():
        tree_at(root, inst.base_commit, into)
    else:
        image_repository.tree_without_history(root, into)


def _environment(inst: Instance, repos: Path | None) -> dict[str, object] | None:
    packages = inst.requirements
    if packages is None and inst.image_name and (repos is None or find_checkout(repos, inst.repo) is None):
        packages = image_repository.image_packages(inst.image_name) or None
        if packages and len(packages) > MAX_REQUIREMENTS:
            raise ValueError(f"image {inst.image_name} holds {len(packages)} packages, over a task environment's {MAX_REQUIREMENTS}: name the ones the tests need in the instance's `requirements`")
    return {"packages": packages} if packages else None


def draft_instance(inst: Instance, repos: Path | None, *, scope: str = "source", seed: int = 0) -> TaskDraft:
    """The task of one instance; ValueError or RuntimeError says why it makes none."""
    tests = [*inst.fail_to_pass, *inst.pass_to_pass]
    bad = [n for n in tests if not NODE_ID.match(n)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a pytest node id (path.py::test): only pytest suites are imported")
    changed, deleted = patched_paths(inst.patch)
    if deleted:
        raise ValueError(f"the gold patch deletes {deleted[0]}, which an agent cannot do")
    with tempfile.TemporaryDirectory(prefix="debugbox-swebench-") as scratch:
        original, solved = Path(scratch) / "original", Path(scratch) / "solved"
        for tree in (original, solved):
            tree.mkdir()
            _write_base_tree(inst, repos, Path(scratch), tree)
            apply_patch(tree, inst.test_patch, "test patch")
        apply_patch(solved, inst.patch, "gold patch")
        files, left_out = read_tree(original)
        solved_files, _ = read_tree(solved)
    test_paths = sorted(by_file(tests))
    missing = [p for p in test_paths if p not in files]
    if missing:
        raise ValueError(f"test file {missing[0]} is not in the repository at base_commit (after the test patch)")
    test_dirs = {str(PurePosixPath(p).parent) for p in test_paths}
    fix = [p for p in changed if p in solved_files]
    if not fix or any(is_test_code(p, test_dirs) or not p.endswith(".py") for p in fix):
        raise ValueError("the gold patch must change Python source only, outside the tests: " + ", ".join(changed[:5]))
    sources = {p: t for p, t in files.items() if p not in test_paths}
    for path in fix:
        sources.setdefault(path, "")  # a file the fix creates: there, empty, for the agent to fill
    candidates = fix if scope == "patch" else [p for p in sources if p.endswith(".py")]
    editable = sorted({p for p in candidates if not is_test_code(p, test_dirs) and not is_test_support(p)} | set(fix))
    visible = by_file(choose_visible(inst, seed))
    hidden = by_file(tests)
    main = fix[0]
    statement = inst.problem_statement.strip()
    title = (statement.splitlines()[0] if statement else f"{inst.repo}: make the failing tests pass")[:200].strip() or inst.instance_id
    return TaskDraft(
        id=slug(inst.instance_id)[:80] or "instance",
        title=title,
        description=_description(inst, statement, left_out),
        main_file=main,
        source=sources[main],
        solution=solved_files[main],
        visible_tests={f"tests/{p}": keep_tests(files[p], names) for p, names in visible.items()},
        hidden_tests={f"hidden_tests/{p}": keep_tests(files[p], names) for p, names in hidden.items()},
        readonly_sources={p: t for p, t in sources.items() if p != main},
        extra_solution={p: solved_files[p] for p in fix if p != main},
        editable=editable,
        tests_table={"visible_dir": ".", "hidden_dir": "."},
        environment=_environment(inst, repos),
        tags=["swebench", slug(inst.repo.split("/")[-1])],
        difficulty=_difficulty(files, solved_files, fix),
        max_steps=60,
        test_timeout_s=30.0,
        run_timeout_s=run_timeout_for(len(tests), 30.0),
    )


def _description(inst: Instance, statement: str, left_out: int) -> str:
    body = statement or f"Some tests of {inst.repo} fail at this commit. Find the cause in the source and fix it."
    note = f"\n\n(The repository is {inst.repo} at {inst.base_commit[:12]}" + (f"; {left_out} binary or oversized files are left out" if left_out else "") + ".)"
    return body + note


def _difficulty(files: dict[str, str], solved: dict[str, str], fix: list[str]) -> Difficulty:
    original = "\n".join(files.get(p, "") for p in fix)
    return judge_difficulty(original, "\n".join(solved[p] for p in fix), structural=len(fix) > 1)


def drafts(source: Path, *, repos: Path | None = None, scope: str = "source", seed: int = 0) -> tuple[list[TaskDraft], list[Skipped]]:
    """Every instance of a JSON-lines file that makes a task, and the reasons for the rest."""
    if scope not in SCOPES:
        raise ValueError(f"editable scope {scope!r}: choose {' or '.join(SCOPES)}")
    made: list[TaskDraft] = []
    skipped: list[Skipped] = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        name = f"line {number}"
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
            name = str(row.get("instance_id") or name)
            made.append(draft_instance(parse_instance(row), repos, scope=scope, seed=seed))
        except (ValueError, RuntimeError, OSError, SyntaxError, subprocess.TimeoutExpired) as exc:
            skipped.append(Skipped(name, str(exc) or type(exc).__name__))
    return made, skipped
