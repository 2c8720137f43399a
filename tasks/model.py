"""The task model: `task.toml` (TaskSpec) plus the files of a task directory (Task).

Paths inside a task are POSIX-style and relative to the project, i.e. the sandbox workspace: the
files of `src/` sit at its root, visible tests under `[tests] visible_dir` (default `tests/`) and
hidden tests under `[tests] hidden_dir` (default `hidden_tests/`). `editable` holds paths or globs
over the `src/` files; `Task.editable` is what they select.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from enum import StrEnum
from functools import cached_property
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tasks import globs, imports
from sandbox.environment_request import EnvironmentRequest, parse_requirements

TASK_ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]{0,79}$"


class Difficulty(StrEnum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


DIFFICULTIES = tuple(level.value for level in Difficulty)  # easiest first
DIFFICULTIES_IN_WORDS = f"{', '.join(DIFFICULTIES[:-1])} or {DIFFICULTIES[-1]}"  # for messages: "easy, medium or hard"


class TaskKind(StrEnum):
    bugfix = "bugfix"
    implement = "implement"


def check_relative_path(path: str) -> str:
    """A path inside a task must be relative, normalized and stay inside its directory."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or str(pure) != path or "\\" in path:
        raise ValueError(f"{path!r} must be a relative POSIX path inside the task, like 'pkg/module.py'")
    return path


class SynthesisFacts(BaseModel):
    """`[synthesis]`: how a synthesized task was made (tasks/synthesis/) and the measured facts its
    difficulty comes from. Never names where the bug is: only kinds and counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    package: str  # NAME==VERSION
    seed: int
    mutators: tuple[str, ...]  # the kind of each injected bug
    bugs: int = Field(ge=1)
    failing_tests: int = Field(ge=1)
    call_distance: int = Field(ge=-1)  # calls from the nearest failing test to a changed function; -1 unknown
    files_changed: int = Field(ge=1)


# Files that configure pytest or the interpreter before any test runs. An editable one could rewrite
# what the scoring run collects or reports (addopts, a conftest hook, a .pth line), so none may be
# editable; read-only ones reach every run as the task gives them.
CONFIG_FILE_NAMES = frozenset({
    "conftest.py", "pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "sitecustomize.py", "usercustomize.py",
})  # pytest.toml and .pytest.toml: read since pytest 9, which a sandbox image built from python:3.11-slim installs
TEST_FILE_NAME = re.compile(r"test_.*\.py|.*_test\.py")

# pytest options a task may not give in [tests] args: the runner owns them (where and how tests are
# collected, selected, reported and stopped), or [tests] has its own key for them.
RUNNER_OWNED_OPTIONS = frozenset({
    "-k", "-m", "-x", "--exitfirst", "--maxfail", "--rootdir", "--import-mode", "-c", "--config-file", "--inifile",
    "--co", "--collect-only", "--collectonly", "--lf", "--last-failed", "--ff", "--failed-first", "--nf", "--new-first",
    "--sw", "--stepwise", "--sw-skip", "--stepwise-skip", "--pdb", "--pdbcls", "--trace", "--tb", "-s", "--capture",
    "-q", "--quiet", "-v", "--verbose", "-h", "--help", "--version", "-V", "--deselect", "--continue-on-collection-errors",
    "--confcutdir", "--noconftest", "--pyargs", "--basetemp", "--junitxml", "--junit-xml", "--resultlog", "--result-log",
    "--debug", "--setup-only", "--setup-plan", "--setup-show", "--fixtures", "--funcargs", "--fixtures-per-test",
    "--markers", "--cache-clear", "--cache-show", "--lsof", "-r", "--color", "--code-highlight", "--runxfail",
})
OPTIONS_WITH_A_VALUE = frozenset({"-p", "-W", "--pythonwarnings", "-o", "--override-ini", "--ignore", "--ignore-glob", "--doctest-glob", "--log-level", "--durations", "--timeout"})


def check_project_dir(path: str) -> str:
    """A directory of the project: '.' (its root) or a relative path inside it."""
    return path if path == "." else check_relative_path(path)


class TestsSpec(BaseModel):
    """`[tests]`: how pytest runs on a repository-shaped task. The defaults are the small-task layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    root: str = Field(default=".", description="pytest's working directory and rootdir, relative to the project")
    args: tuple[str, ...] = Field(default=(), max_length=40, description="extra pytest options for every run, visible and scoring")
    markers: str | None = Field(default=None, min_length=1, max_length=500, description="a -m expression every run applies")
    visible_dir: str = Field(default="tests", description="where the task's tests/ sit in the project")
    hidden_dir: str = Field(default="hidden_tests", description="where the task's hidden_tests/ sit in the project")

    @field_validator("root", "visible_dir", "hidden_dir")
    @classmethod
    def _dirs_inside(cls, value: str) -> str:
        return check_project_dir(value)

    @field_validator("markers")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and any(c in value for c in "\x00\r\n"):
            raise ValueError("markers must be one line (a pytest -m expression)")
        return value

    @field_validator("args")
    @classmethod
    def _options_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        expecting_value = False
        for arg in value:
            if not arg or len(arg) > 300 or any(c in arg for c in "\x00\r\n"):
                raise ValueError(f"{arg[:80]!r}: each argument is one non-empty line of at most 300 characters")
            if expecting_value:
                expecting_value = False
                continue
            if not arg.startswith("-"):
                raise ValueError(f"{arg!r} is not an option: the runner chooses the test files (put tests in tests/ and hidden_tests/)")
            name = arg.split("=", 1)[0]
            if name in RUNNER_OWNED_OPTIONS or (name[:2] in RUNNER_OWNED_OPTIONS and not name.startswith("--")):
                raise ValueError(f"{name!r} is the runner's to set" + (" (use [tests] markers)" if name == "-m" else ""))
            expecting_value = arg in OPTIONS_WITH_A_VALUE  # given alone: its value is the next item
        if expecting_value:
            raise ValueError(f"{value[-1]!r} needs a value after it")
        return value

    @property
    def is_default(self) -> bool:
        return self == TestsSpec()


def editable_problem(path: str, tests: TestsSpec) -> str | None:
    """Why a source file may not be editable: it configures pytest or the interpreter, or it is test code."""
    name = PurePosixPath(path).name
    if name in CONFIG_FILE_NAMES or name.endswith(".pth"):
        return f"{path} configures pytest or Python itself; an edited copy could rewrite what the scoring run collects or reports, so it cannot be editable"
    if TEST_FILE_NAME.fullmatch(name):
        return f"{path} is named like a test file; the agent's changes must not be collected as tests"
    for directory in {tests.visible_dir, tests.hidden_dir} - {"."}:
        if path.startswith(directory + "/"):
            return f"{path} sits in the test directory {directory}/, which the hidden tests share; test code cannot be editable"
    return None
class EnvironmentSpec(BaseModel):
    """`[environment]`: the packages the task's code needs besides the standard library and pytest.

    `packages` lists PEP 508 requirements (`["attrs==24.*", "six"]`); `requirements` names a
    requirements file relative to the task directory (`"requirements.txt"`, or `"src/requirements.txt"`
    for a project that ships its own). Both may be given; their union is installed. Pip options,
    URLs and paths are refused (sandbox/environment_request.py).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    packages: tuple[str, ...] = ()
    requirements: str | None = None

    @field_validator("packages")
    @classmethod
    def _packages_parse(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value:
            parse_requirements(value)  # raises naming the bad requirement
        return value

    @field_validator("requirements")
    @classmethod
    def _requirements_is_relative(cls, value: str | None) -> str | None:
        return None if value is None else check_relative_path(value)

    @model_validator(mode="after")
    def _not_empty(self) -> EnvironmentSpec:
        if not self.packages and self.requirements is None:
            raise ValueError("[environment] needs `packages = [...]` or `requirements = \"requirements.txt\"`")
        return self


class TaskSpec(BaseModel):
    """What `task.toml` holds. Unknown keys are rejected so typos surface at load time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=TASK_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    difficulty: Difficulty
    tags: tuple[str, ...] = ()
    kind: TaskKind = TaskKind.bugfix
    main_file: str
    editable: tuple[str, ...] = Field(min_length=1)
    max_steps: int = Field(default=30, ge=1, le=1000)
    test_timeout_s: float = Field(default=5.0, gt=0, le=600)
    run_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    tests: TestsSpec = TestsSpec()
    environment: EnvironmentSpec | None = None
    synthesis: SynthesisFacts | None = None

    @field_validator("main_file")
    @classmethod
    def _main_file_is_relative(cls, value: str) -> str:
        return check_relative_path(value)

    @field_validator("editable")
    @classmethod
    def _editable_are_relative(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            check_relative_path(path)
            if globs.is_glob(path):
                globs.compile_glob(path)  # an unclosed '[' or a bad class ('[z-a]') is reported here
        if len(set(value)) != len(value):
            raise ValueError("editable lists a file twice")
        return value

    @model_validator(mode="after")
    def _main_file_is_editable(self) -> TaskSpec:
        # With globs, the loader checks main_file against what they select (it knows the files).
        if self.main_file not in self.editable and not any(globs.is_glob(p) for p in self.editable):
            raise ValueError(f"main_file {self.main_file!r} must be one of the editable files")
        if self.test_timeout_s > self.run_timeout_s:
            raise ValueError("test_timeout_s must not exceed run_timeout_s")
        return self


class ProjectInfo(BaseModel):
    """What makes a task a project episode's (tasks/project_task.py): the user's own code, every file
    editable, no hidden tests and no score; submit hands back a patch."""

    model_config = ConfigDict(frozen=True)

    root: str  # the resolved directory it was copied from, for messages and the patch's instructions
    test_targets: tuple[str, ...] = ()  # what run_tests runs by default (test files or node ids)
    test_keyword: str | None = None  # pytest's -k, from test_command
    skipped: dict[str, int] = {}  # reason -> files left out of the copy
    requirements: tuple[str, ...] = ()  # detected requirement strings (pyproject, requirements files, setup.cfg)


class Task(BaseModel):
    """A loaded task: its spec and the text of every file, keyed by relative path."""

    model_config = ConfigDict(frozen=True)

    spec: TaskSpec
    description: str
    source_files: dict[str, str]  # everything under src/, keyed relative to src/
    test_files: dict[str, str]  # visible tests, keyed by their project path ("tests/..." by default)
    hidden_test_files: dict[str, str]  # keyed by their project path ("hidden_tests/..." by default)
    solution_files: dict[str, str]  # keyed like source_files
    origin: str = ""  # the directory it was loaded from, for messages
    # `[environment]` resolved at load (its requirements file read): what every sandbox of the task needs.
    environment: EnvironmentRequest | None = None
    project: ProjectInfo | None = None  # set for a project episode's task, built in memory

    @property
    def id(self) -> str:
        return self.spec.id

    def solved_files(self) -> dict[str, str]:
        """The editable files with the reference solution applied."""
        return {path: self.solution_files.get(path, text) for path, text in self.editable_files().items()}

    @cached_property
    def editable(self) -> tuple[str, ...]:
        """The source files the agent may change: the paths `editable` names and its globs select."""
        return tuple(globs.expand(self.spec.editable, self.source_files)[0])

    def editable_files(self) -> dict[str, str]:
        return {path: self.source_files[path] for path in self.editable}

    def readonly_source_files(self) -> dict[str, str]:
        editable = set(self.editable)
        return {path: text for path, text in self.source_files.items() if path not in editable}

    # Worked out once per loaded task (a frozen model: its files never change), not on every run.
    @cached_property
    def visible_test_counts(self) -> dict[str, int]:
        """Tests each visible test file defines (a selection of whole files counts theirs)."""
        return {path: count_tests({path: text}) for path, text in self.test_files.items()}

    @cached_property
    def third_party_modules(self) -> tuple[str, ...]:
        """What the runner may import once and keep warm: third-party modules the pristine sources
        and visible tests import (sandbox/runner.py `preload`)."""
        tests = self.spec.tests
        return imports.third_party({**self.source_files, **self.test_files}, [".", tests.root, tests.visible_dir])

    @cached_property
    def visible_test_cases(self) -> dict[str, int]:
        return test_cases(self.test_files)

    @cached_property
    def hidden_test_cases(self) -> dict[str, int]:
        return test_cases(self.hidden_test_files)

    @cached_property
    def visible_test_ids(self) -> frozenset[str]:
        return frozenset(self.visible_test_cases)

    @cached_property
    def hidden_test_ids(self) -> frozenset[str]:
        return frozenset(self.hidden_test_cases)

    @cached_property
    def visible_test_count(self) -> int:
        return sum(self.visible_test_counts.values())

    @cached_property
    def hidden_test_count(self) -> int:
        """The static floor of the scoring total. A marker expression deselects tests that static
        counting cannot see, so such a task relies on the original's measured total instead."""
        return 0 if self.spec.tests.markers else count_tests(self.hidden_test_files)

    @cached_property
    def content_digest(self) -> str:
        """sha256 of everything that decides how the original code runs: a cache key for what it does."""
        # Keys a task leaves at their defaults stay out, so tasks without them keep their cached baselines.
        defaults = {name for name in ("environment", "synthesis") if getattr(self.spec, name) is None}
        defaults |= {"tests"} if self.spec.tests.is_default else set()
        spec = self.spec.model_dump(mode="json", exclude=defaults or None)
        parts = {"spec": spec, "sources": self.source_files, "tests": self.test_files, "hidden": self.hidden_test_files}
        if self.environment is not None:  # only then: tasks without one keep their cached baselines
            parts["environment"] = list(self.environment.requirements)
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()


def slug_ok(task_id: str) -> bool:
    return re.fullmatch(TASK_ID_PATTERN, task_id) is not None


def _parametrize_cases(decorator: ast.expr) -> int:
    """How many cases a `@pytest.mark.parametrize(names, [...])` literal produces (1 if unknown)."""
    if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("parametrize") and len(decorator.args) >= 2:
        values = decorator.args[1]
        if isinstance(values, (ast.List, ast.Tuple)):
            return max(1, len(values.elts))
    return 1


def _function_cases(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    cases = 1
    for decorator in node.decorator_list:
        cases *= _parametrize_cases(decorator)
    return cases


def _class_test_cases(prefix: str, node: ast.ClassDef) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
            found[f"{prefix}::{node.name}::{item.name}"] = _function_cases(item)
        elif isinstance(item, ast.ClassDef) and item.name.startswith("Test"):
            found.update(_class_test_cases(f"{prefix}::{node.name}", item))
    return found


def test_cases(files: dict[str, str]) -> dict[str, int]:
    """The node ids (without parameters) of the tests the files define as written (`path::test_x`,
    `path::TestClass::test_y`), each with the cases its parametrize literals make (1 when not a
    literal). Scoring counts a test only when the files (or the original's run) name it, so code
    that conjures extra passing tests at run time earns nothing for them."""
    found: dict[str, int] = {}
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                found[f"{path}::{node.name}"] = _function_cases(node)
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                found.update(_class_test_cases(path, node))
    return found


def count_tests(files: dict[str, str]) -> int:
    """Tests the files define, counted statically.

    Scoring uses it as a floor for the denominator: a module that fails to import (and so
    collects nothing) must still count its tests as failed, not vanish from the total.
    """
    total = 0
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                total += _function_cases(node)
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                total += sum(
                    _function_cases(item)
                    for item in node.body
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test")
                )
    return total
