"""A project copy as the Task a project episode works on, built in memory: every file editable
(tests included: it is the user's code), the project's test files as its visible tests, no hidden
tests and no solution; what run_tests runs (pytest's defaults, or `test_command`); and the
requirements the project declares, read (never executed) from requirements files, pyproject.toml
and setup.cfg."""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from fnmatch import fnmatch
from pathlib import PurePosixPath

from packaging.utils import canonicalize_name

from sandbox.environment_request import MAX_REQUIREMENTS, BadRequirement, EnvironmentRequest, parse_requirement
from tasks.keywords import keyword_problem
from tasks.model import ProjectInfo, Task, TaskSpec, check_relative_path
from tasks.project import ProjectCopy, ProjectRefused

TEST_FILE_PATTERNS = ("test_*.py", "*_test.py")  # pytest's python_files default
MAX_TEST_COMMAND_CHARS = 2_000
REQUIREMENTS_FILE = re.compile(r"^requirements[\w.-]*\.txt$")
TEST_EXTRAS = ("test", "tests", "testing", "dev")  # optional dependencies the tests usually need


def is_test_file(path: str) -> bool:
    return any(fnmatch(PurePosixPath(path).name, pattern) for pattern in TEST_FILE_PATTERNS)


def parse_test_command(command: str | None, files: dict[str, str]) -> tuple[tuple[str, ...], str | None]:
    """`test_command` as (targets, -k expression): pytest arguments naming test files, directories
    or node ids of the project, and at most one `-k EXPR` (a leading `pytest` / `python -m pytest`
    is dropped). Nothing else reaches pytest: another option is refused, named."""
    tests = tuple(sorted(p for p in files if is_test_file(p)))
    if command is None or not command.strip():
        return tests, None
    if len(command) > MAX_TEST_COMMAND_CHARS or any(c in command for c in "\x00\r\n"):
        raise ProjectRefused(f"test_command must be one line of at most {MAX_TEST_COMMAND_CHARS} characters.")
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ProjectRefused(f"test_command {command!r} cannot be split into arguments ({exc}); quote the -k expression.") from None
    for prefix in (["python", "-m", "pytest"], ["python3", "-m", "pytest"], ["pytest"]):
        if words[: len(prefix)] == prefix:
            words = words[len(prefix) :]
            break
    targets: list[str] = []
    keyword = None
    items = iter(words)
    for word in items:
        if word == "-k" or word.startswith("-k"):
            if keyword is not None:
                raise ProjectRefused("test_command may hold one -k expression only.")
            keyword = word[2:] or next(items, "")
            if not keyword.strip():
                raise ProjectRefused("test_command's -k has no expression after it.")
            if (problem := keyword_problem(keyword)) is not None:
                raise ProjectRefused(f"test_command's -k expression {keyword!r} is not one pytest can read: {problem}.")
            continue
        if word.startswith("-"):
            raise ProjectRefused(
                f"test_command: option {word!r} is not supported. Give test files, directories or node ids of the "
                "project (tests/test_api.py::test_get) and at most one -k EXPR."
            )
        path = word.split("::")[0].rstrip("/")
        try:
            check_relative_path(path)
        except ValueError:
            raise ProjectRefused(f"test_command: {word!r} must be a path relative to the project root, like tests/test_api.py.") from None
        if path in files:
            targets.append(word if "::" in word else path)
            continue
        under = [p for p in tests if p.startswith(path + "/")]
        if not under:
            raise ProjectRefused(f"test_command: {word!r} is neither a file of the project nor a directory holding test files (test_*.py, *_test.py).")
        targets.extend(under)
    return tuple(dict.fromkeys(targets)) or tests, keyword


def _requirement(line: str) -> str | None:
    line = line.split(" #", 1)[0].strip()
    if not line or line.startswith("#"):
        return None
    try:  # pip options (-r, -e, --index-url), URLs and paths are left out: only packages by name
        return str(parse_requirement(line))
    except BadRequirement:
        return None


def detect_requirements(files: dict[str, str]) -> tuple[str, ...]:
    """What the project's code and tests need, as requirement strings, from (at the project root)
    requirements*.txt, pyproject.toml's [project] dependencies and test extras (and
    [dependency-groups] test/dev), and setup.cfg's install_requires and test extras. Nothing is run;
    unparsable entries are left out."""
    found: list[str] = []
    for path in sorted(files):
        if "/" not in path and REQUIREMENTS_FILE.match(path):
            found += [r for line in files[path].splitlines() if (r := _requirement(line))]
    if "pyproject.toml" in files:
        try:
            data = tomllib.loads(files["pyproject.toml"])
        except tomllib.TOMLDecodeError:
            data = {}
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        lists = [project.get("dependencies")]
        extras = project.get("optional-dependencies")
        groups = data.get("dependency-groups")
        for name in TEST_EXTRAS:
            lists.append(extras.get(name) if isinstance(extras, dict) else None)
            lists.append(groups.get(name) if isinstance(groups, dict) else None)
        found += [r for items in lists if isinstance(items, list) for item in items if isinstance(item, str) and (r := _requirement(item))]
    if "setup.cfg" in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(files["setup.cfg"])
            values = [parser.get("options", "install_requires", fallback="")]
            values += [parser.get("options.extras_require", name, fallback="") for name in TEST_EXTRAS]
        except (configparser.Error, ValueError):
            values = []
        found += [r for value in values for line in value.splitlines() if (r := _requirement(line))]
    own = _own_name(files)
    by_name: dict[str, str] = {}
    for requirement in found:  # the first mention of a package wins; the project itself is its code, not a package
        name = canonicalize_name(parse_requirement(requirement).name)
        if name != own:
            by_name.setdefault(name, requirement)
    return tuple(by_name.values())


def _own_name(files: dict[str, str]) -> str | None:
    try:
        name = tomllib.loads(files.get("pyproject.toml", "")).get("project", {}).get("name")
    except (tomllib.TOMLDecodeError, AttributeError):
        return None
    return canonicalize_name(name) if isinstance(name, str) else None


def environment_of(requirements: tuple[str, ...]) -> EnvironmentRequest | None:
    if not requirements:
        return None
    if len(requirements) > MAX_REQUIREMENTS:
        raise ProjectRefused(f"the project declares {len(requirements)} requirements; a sandbox takes at most {MAX_REQUIREMENTS}.")
    try:
        return EnvironmentRequest(requirements=requirements)
    except BadRequirement as exc:
        raise ProjectRefused(f"the project's requirements cannot be used: {exc}.") from None


def describe(copy: ProjectCopy, targets: tuple[str, ...], keyword: str | None, requirements: tuple[str, ...]) -> str:
    skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(copy.skipped.items())) or "nothing"
    runs = " ".join(targets) or "(no test files found: test_*.py or *_test.py)"
    return (
        f"The user's project {copy.root.name!r}, copied into this sandbox: {len(copy.files)} files (left out: {skipped}).\n"
        f"Every file is editable, the tests included. run_tests runs the project's own tests with pytest: {runs}"
        + (f" -k {keyword!r}" if keyword else "")
        + ".\n"
        + (f"Declared requirements: {', '.join(requirements)}.\n" if requirements else "")
        + "There are no hidden tests and no score: find why the tests fail, fix the code, and submit. submit runs the "
        "tests one last time and hands the user a patch of your changes (nothing is written to their files)."
    )


def project_task(copy: ProjectCopy, test_command: str | None, max_steps: int, test_timeout_s: float, run_timeout_s: float) -> Task:
    if not copy.files:
        left = ", ".join(f"{n} {why}" for why, n in sorted(copy.skipped.items())) or "it is empty"
        raise ProjectRefused(f"the project at {str(copy.root)!r} has no text file to copy ({left}).")
    targets, keyword = parse_test_command(test_command, copy.files)
    requirements = detect_requirements(copy.files)
    tests = {p: copy.files[p] for p in copy.files if is_test_file(p)}
    main = next(iter(sorted(tests)), None) or next((p for p in sorted(copy.files) if p.endswith(".py")), sorted(copy.files)[0])
    spec = TaskSpec(
        id="project",
        title=f"Project {copy.root.name}"[:200],
        difficulty="medium",
        main_file=main,
        editable=tuple(sorted(copy.files)),
        max_steps=max_steps,
        test_timeout_s=min(test_timeout_s, run_timeout_s),  # a test cannot outlast the run it is part of
        run_timeout_s=run_timeout_s,
    )
    info = ProjectInfo(root=str(copy.root), test_targets=targets, test_keyword=keyword, skipped=dict(copy.skipped), requirements=requirements)
    return Task(
        spec=spec,
        description=describe(copy, targets, keyword, requirements),
        source_files=dict(copy.files),
        test_files=tests,
        hidden_test_files={},
        solution_files={},
        origin=str(copy.root),
        environment=environment_of(requirements),
        project=info,
    )
