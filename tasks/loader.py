"""Load task packs from disk. A bad task is reported (file and field named) and skipped;
the rest of the pack is still served."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from tasks import globs
from tasks.model import Task, TaskSpec, editable_problem
from sandbox.environment_request import EnvironmentRequest
from tasks.model import Task, TaskSpec

BUNDLED_PACK = Path(__file__).parent / "bundled"
REPOS_PACK = Path(__file__).parent / "repos"
# Packs shipped with debugbox, by name. `bundled` (small tasks on the standard library) is served
# by default; `repos` (repository-shaped tasks with third-party packages: each needs its
# environment built once) is named where a pack is expected: `--tasks repos`, `tasks check repos`.
SHIPPED_PACKS = {"bundled": BUNDLED_PACK, "repos": REPOS_PACK}
TASKS_ENV_VAR = "DEBUGBOX_TASKS"
MAX_TASK_FILE_BYTES = 1_000_000
IGNORED_NAMES = {"__pycache__", ".pytest_cache", ".DS_Store"}


@dataclass(frozen=True)
class TaskLoadError:
    """One reason a task was rejected, with the file (and field, when there is one) to fix."""

    path: Path
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}" + (f": field '{self.field}'" if self.field else "")
        return f"{where}: {self.message}"


class InvalidTask(Exception):
    def __init__(self, errors: list[TaskLoadError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _inside(path: Path, task_dir: Path) -> None:
    """A task's file is its own: a symbolic link out of the task directory would serve the host's
    files to every agent playing it (/proc/self/environ holds the server's tokens; its size reads 0)."""
    if not path.resolve().is_relative_to(task_dir.resolve()):
        raise InvalidTask([TaskLoadError(path, f"is a symbolic link out of the task directory (to {str(path.resolve())!r}); a task's files must be its own")])


def _read_tree(root: Path) -> dict[str, str]:
    """Every file below root as text, keyed by POSIX path relative to root."""
    files: dict[str, str] = {}
    if not root.is_dir():
        return files
    _inside(root, root.parent)
    for path in sorted(root.rglob("*")):
        if any(part in IGNORED_NAMES for part in path.relative_to(root).parts) or not path.is_file():
            continue
        _inside(path, root.parent)
        if path.stat().st_size > MAX_TASK_FILE_BYTES:
            raise InvalidTask([TaskLoadError(path, f"file is larger than {MAX_TASK_FILE_BYTES} bytes")])
        try:
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidTask([TaskLoadError(path, "file is not UTF-8 text")]) from None
    return files


def _parse_spec(toml_path: Path) -> TaskSpec:
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidTask([TaskLoadError(toml_path, "missing: every task directory needs a task.toml")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidTask([TaskLoadError(toml_path, f"not valid TOML: {exc}")]) from None
    except OSError as exc:  # e.g. a directory named task.toml: name the file, not just the task
        raise InvalidTask([TaskLoadError(toml_path, f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        return TaskSpec.model_validate(raw)
    except ValidationError as exc:
        raise InvalidTask(
            [
                TaskLoadError(toml_path, err["msg"], ".".join(str(p) for p in err["loc"]) or None)
                for err in exc.errors()
            ]
        ) from None


def _in_project(directory: str, path: str) -> str:
    return path if directory == "." else f"{directory}/{path}"


def load_task(task_dir: Path) -> Task:
    """Load one task directory or raise InvalidTask naming every problem found."""
    spec = _parse_spec(task_dir / "task.toml")
    errors: list[TaskLoadError] = []
    if spec.id != task_dir.name:
        errors.append(TaskLoadError(task_dir / "task.toml", f"{spec.id!r} must equal the directory name {task_dir.name!r}", "id"))
    description_path = task_dir / "description.md"
    if description_path.is_file():
        _inside(description_path, task_dir)
    description = description_path.read_text(encoding="utf-8") if description_path.is_file() else ""
    if not description.strip():
        errors.append(TaskLoadError(description_path, "missing or empty: the agent needs a description"))
    source = _read_tree(task_dir / "src")
    tests = {_in_project(spec.tests.visible_dir, p): t for p, t in _read_tree(task_dir / "tests").items()}
    hidden = {_in_project(spec.tests.hidden_dir, p): t for p, t in _read_tree(task_dir / "hidden_tests").items()}
    solution = _read_tree(task_dir / "solution")
    try:
        editable, unmatched = globs.expand(spec.editable, source)
    except ValueError as exc:  # a glob that would take too long to match
        raise InvalidTask([TaskLoadError(task_dir / "task.toml", str(exc), "editable")]) from None
    toml = task_dir / "task.toml"
    for pattern in unmatched:
        what = "glob selects no file of src/" if globs.is_glob(pattern) else "listed in editable but missing from src/"
        errors.append(TaskLoadError(toml if globs.is_glob(pattern) else task_dir / "src" / pattern, f"{pattern!r}: {what}", "editable"))
    if spec.main_file not in editable and spec.main_file not in unmatched:
        errors.append(TaskLoadError(toml, f"main_file {spec.main_file!r} must be one of the editable files", "main_file"))
    for path in editable:
        problem = editable_problem(path, spec.tests)
        if problem:
            errors.append(TaskLoadError(toml, problem, "editable"))
    # Visible and hidden tests never meet in a run, so they may share a path; neither may shadow a source file.
    for kind, files, folder in (("visible test", tests, "tests"), ("hidden test", hidden, "hidden_tests")):
        for path in sorted(files.keys() & source.keys()):
            errors.append(TaskLoadError(task_dir / folder, f"{kind} {path} would replace the source file src/{path}: move one of them", "tests"))
    if spec.tests.root != ".":
        # pytest names a test by its path from the rootdir: every test must sit below the root.
        outside = sorted(p for p in [*tests, *hidden] if not p.startswith(spec.tests.root + "/"))
        if outside:
            errors.append(TaskLoadError(toml, f"{outside[0]} is outside the tests' root {spec.tests.root!r}: tests must sit below it", "tests.root"))
    if not any(p.endswith(".py") for p in tests):
        errors.append(TaskLoadError(task_dir / "tests", "no visible test file (tests/test_*.py)"))
    if not any(p.endswith(".py") for p in hidden):
        errors.append(TaskLoadError(task_dir / "hidden_tests", "no hidden test file (hidden_tests/test_*.py)"))
    if not solution:
        errors.append(TaskLoadError(task_dir / "solution", "missing: a task needs a reference solution"))
    for path in solution:
        if path not in editable:
            errors.append(TaskLoadError(task_dir / "solution" / path, "solution file is not an editable file of the task"))
    environment = _environment(task_dir, spec, errors)
    if errors:
        raise InvalidTask(errors)
    return Task(
        spec=spec,
        description=description,
        source_files=source,
        test_files=tests,
        hidden_test_files=hidden,
        solution_files=solution,
        origin=str(task_dir),
        environment=environment,
    )


def _environment(task_dir: Path, spec: TaskSpec, errors: list[TaskLoadError]) -> EnvironmentRequest | None:
    """`[environment]` as one request: `packages` plus the lines of the `requirements` file (read
    now, relative to the task directory). Nothing is downloaded here: wheels are fetched when the
    environment is first built (`debugbox image build --tasks`, or the task's first episode)."""
    env = spec.environment
    if env is None:
        return None
    lines = list(env.packages)
    toml_path = task_dir / "task.toml"
    if env.requirements is not None:
        path = task_dir / env.requirements
        if not path.resolve().is_relative_to(task_dir.resolve()):  # a symlink out of the task
            errors.append(TaskLoadError(toml_path, f"requirements file {env.requirements!r} leads outside the task directory", "environment.requirements"))
            return None
        try:
            if path.stat().st_size > MAX_TASK_FILE_BYTES:
                raise InvalidTask([TaskLoadError(path, f"file is larger than {MAX_TASK_FILE_BYTES} bytes")])
            lines += EnvironmentRequest.from_lines(path.read_text(encoding="utf-8")).requirements
        except FileNotFoundError:
            errors.append(TaskLoadError(toml_path, f"requirements file {env.requirements!r} is missing (it is relative to the task directory)", "environment.requirements"))
            return None
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(TaskLoadError(path, f"cannot be read as UTF-8 text: {exc}", "environment.requirements"))
            return None
        except ValidationError as exc:
            errors.append(TaskLoadError(path, "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()), "environment.requirements"))
            return None
    try:
        return EnvironmentRequest(requirements=tuple(lines))
    except ValidationError as exc:
        errors.append(TaskLoadError(toml_path, "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()), "environment"))
        return None


def _task_dirs(pack: Path) -> list[Path]:
    if (pack / "task.toml").is_file():
        return [pack]
    return sorted(p for p in pack.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in IGNORED_NAMES)


def load_pack(pack: Path) -> tuple[list[Task], list[TaskLoadError]]:
    """All valid tasks of a pack directory (or of a single task directory), and the errors of the rest."""
    if not pack.is_dir():
        return [], [TaskLoadError(pack, "task pack directory does not exist")]
    tasks: list[Task] = []
    errors: list[TaskLoadError] = []
    for task_dir in _task_dirs(pack):
        try:
            tasks.append(load_task(task_dir))
        except InvalidTask as exc:
            errors.extend(exc.errors)
        except OSError as exc:
            errors.append(TaskLoadError(task_dir, f"cannot be read: {exc}"))
    return tasks, errors


@dataclass
class Catalog:
    """Every task the server offers, by id, and the load errors of the ones it refused."""

    tasks: dict[str, Task] = field(default_factory=dict)
    errors: list[TaskLoadError] = field(default_factory=list)

    def add_pack(self, pack: Path) -> None:
        tasks, errors = load_pack(pack)
        self.errors.extend(errors)
        for task in tasks:
            if task.id in self.tasks:
                first = self.tasks[task.id].origin
                self.errors.append(
                    TaskLoadError(Path(task.origin) / "task.toml", f"duplicate task id {task.id!r}, already loaded from {first}", "id")
                )
                continue
            self.tasks[task.id] = task

    def get(self, task_id: str) -> Task | None:
        return self.tasks.get(task_id)

    def select(self, difficulty: str | None = None, tag: str | None = None) -> list[Task]:
        return [
            t
            for t in self.tasks.values()
            if (difficulty is None or t.spec.difficulty == difficulty) and (tag is None or tag in t.spec.tags)
        ]


def resolve_pack(spec: str | Path) -> Path:
    """A pack directory; or, when no file or directory of that name exists here, the pack shipped
    with debugbox by that name (`repos`)."""
    path = Path(spec)
    if not path.exists() and str(spec) in SHIPPED_PACKS:
        return SHIPPED_PACKS[str(spec)]
    return path


def pack_dirs(extra: list[str] | None = None, *, include_bundled: bool = True, environ: dict[str, str] | None = None) -> list[Path]:
    """The packs to load: the bundled one, then DEBUGBOX_TASKS (os.pathsep-separated), then --tasks;
    a shipped pack named twice (say `bundled` again) is loaded once."""
    env = os.environ if environ is None else environ
    dirs = [BUNDLED_PACK] if include_bundled else []
    named = [p for p in env.get(TASKS_ENV_VAR, "").split(os.pathsep) if p.strip()] + list(extra or [])
    for spec in named:
        pack = resolve_pack(spec)
        if pack in SHIPPED_PACKS.values() and pack in dirs:
            continue
        dirs.append(pack)
    return dirs


def load_catalog(extra: list[str] | None = None, *, include_bundled: bool = True, environ: dict[str, str] | None = None) -> Catalog:
    catalog = Catalog()
    for pack in pack_dirs(extra, include_bundled=include_bundled, environ=environ):
        catalog.add_pack(pack)
    return catalog
