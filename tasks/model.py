"""The task model: `task.toml` (TaskSpec) plus the files of a task directory (Task).

Paths inside a task are POSIX-style and relative: editable files relative to `src/`
(they sit at the sandbox workspace root), test files as `tests/...` and `hidden_tests/...`.
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
    environment: EnvironmentSpec | None = None

    @field_validator("main_file")
    @classmethod
    def _main_file_is_relative(cls, value: str) -> str:
        return check_relative_path(value)

    @field_validator("editable")
    @classmethod
    def _editable_are_relative(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            check_relative_path(path)
        if len(set(value)) != len(value):
            raise ValueError("editable lists a file twice")
        return value

    @model_validator(mode="after")
    def _main_file_is_editable(self) -> TaskSpec:
        if self.main_file not in self.editable:
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
    test_files: dict[str, str]  # visible tests, keyed "tests/..."
    hidden_test_files: dict[str, str]  # keyed "hidden_tests/..."
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

    def editable_files(self) -> dict[str, str]:
        return {path: self.source_files[path] for path in self.spec.editable}

    def readonly_source_files(self) -> dict[str, str]:
        return {path: text for path, text in self.source_files.items() if path not in self.spec.editable}

    # Worked out once per loaded task (a frozen model: its files never change), not on every run.
    @cached_property
    def visible_test_counts(self) -> dict[str, int]:
        """Tests each visible test file defines (a selection of whole files counts theirs)."""
        return {path: count_tests({path: text}) for path, text in self.test_files.items()}

    @cached_property
    def visible_test_count(self) -> int:
        return sum(self.visible_test_counts.values())

    @cached_property
    def hidden_test_count(self) -> int:
        return count_tests(self.hidden_test_files)

    @cached_property
    def content_digest(self) -> str:
        """sha256 of everything that decides how the original code runs: a cache key for what it does."""
        spec = self.spec.model_dump(mode="json", exclude={"environment"} if self.spec.environment is None else None)
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
