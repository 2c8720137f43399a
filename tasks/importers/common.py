"""What every importer shares: the task draft, writing it as a task directory, the visible/hidden
split, the difficulty heuristic, and the import report.

Importers turn each benchmark item into a TaskDraft (pure text, no I/O); `write_draft` writes it
and loads it back with the real loader, so a draft that is not a loadable task never survives.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tasks.loader import InvalidTask, load_task
from tasks.model import Difficulty

# Hidden tests are the whole original check (so `resolved` means what the benchmark calls a
# pass); the visible tests are the first third of it, at least one test.
VISIBLE_FRACTION = 1 / 3


@dataclass
class TaskDraft:
    id: str
    title: str
    description: str
    main_file: str
    source: str  # the buggy main file
    solution: str  # the reference version of the main file
    visible_tests: dict[str, str]  # "tests/test_x.py" -> text
    hidden_tests: dict[str, str]  # "hidden_tests/test_x_hidden.py" -> text
    readonly_sources: dict[str, str] = field(default_factory=dict)  # other src/ files, e.g. node.py beside the program
    # Repository-shaped drafts (the SWE-bench importer): more editable and solution files, [tests], [environment].
    extra_solution: dict[str, str] = field(default_factory=dict)
    editable: list[str] | None = None  # None: the main file alone
    tests_table: dict[str, object] | None = None
    environment: dict[str, object] | None = None
    tags: list[str] = field(default_factory=list)
    difficulty: Difficulty = Difficulty.medium
    max_steps: int = 30
    test_timeout_s: float = 3.0
    run_timeout_s: float = 30.0


@dataclass
class Skipped:
    name: str
    reason: str


@dataclass
class ImportResult:
    """What an import did: tasks kept, tasks `tasks check` rejected, items that made no task."""

    out: Path
    imported: list[str] = field(default_factory=list)
    rejected: list[Skipped] = field(default_factory=list)  # written, then refused by `tasks check`
    skipped: list[Skipped] = field(default_factory=list)  # never written
    revised: list[Skipped] = field(default_factory=list)  # imported after the check's figures fixed them: what changed
    items: int = 0  # in the source
    checked: bool = False
    check_elapsed_s: float = 0.0

    def format(self) -> str:
        lines = [f"imported {len(self.imported)} task(s) into {self.out}" + (" (each passed `tasks check`)" if self.checked and self.imported else "")]
        lines += [f"  {task_id}" for task_id in self.imported]
        if self.revised:
            lines.append(f"revised from the check's measured runs ({len(self.revised)}):")
            lines += [f"  {s.name}: {s.reason}" for s in self.revised]
        if self.rejected:
            lines.append(f"rejected by `tasks check` ({len(self.rejected)}; moved to {self.out / REJECTED_DIR}):")
            lines += [f"  {s.name}: {s.reason}" for s in self.rejected]
        if self.skipped:
            lines.append(f"skipped ({len(self.skipped)}):")
            lines += [f"  {s.name}: {s.reason}" for s in self.skipped]
        if self.checked:
            lines.append(f"check took {self.check_elapsed_s:.1f} s")
        if self.items:
            lines.append(f"kept {len(self.imported)} of {self.items} item(s); dropped {len(self.rejected)} rejected by the check and {len(self.skipped)} that make no task (reasons above)")
        return "\n".join(lines)


REJECTED_DIR = ".rejected"  # the loader ignores dot-directories, so rejected tasks stay out of the pack


def slug(text: str) -> str:
    """A lowercase [a-z0-9_] form of any name, for task ids, module names and tags."""
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_")


def visible_count(total: int) -> int:
    return max(1, int(total * VISIBLE_FRACTION))


def run_timeout_for(tests: int, test_timeout_s: float) -> float:
    """Long enough that every test of the original may hit its own timeout (a buggy loop) and
    the run still ends by itself, so the score never depends on the run limit."""
    # Per test: the alarm, the runner's 2 s hard-kill grace and a re-fork, in the worst case.
    return float(min(3600, max(30, round(tests * (test_timeout_s + 3) + 15))))


# -- difficulty --------------------------------------------------------------------------------


def code_lines(text: str) -> list[str]:
    """Statements only: docstrings, comments and formatting removed, one normalized line each."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            node.body = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str))] or [ast.Pass()]
    return [line.strip() for line in ast.unparse(tree).splitlines() if line.strip()]


def changed_lines(original: str, solution: str) -> int:
    """How many statement lines the fix touches (a replaced line counts once)."""
    matcher = difflib.SequenceMatcher(a=code_lines(original), b=code_lines(solution), autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def judge_difficulty(original: str, solution: str, *, structural: bool = False) -> Difficulty:
    """docs/TASKS.md, "How difficulty is judged": points for program size, fix size and structure."""
    size = len(code_lines(solution))
    changed = changed_lines(original, solution)
    points = (0 if size <= 12 else 1 if size <= 30 else 2) + (0 if changed <= 1 else 1 if changed <= 3 else 2) + (1 if structural else 0)
    return Difficulty.easy if points <= 1 else Difficulty.medium if points == 2 else Difficulty.hard


# -- writing -----------------------------------------------------------------------------------


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a TOML basic string, once DEL (which TOML forbids raw) is escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def task_toml(draft: TaskDraft) -> str:
    fields = {
        "id": draft.id,
        "title": draft.title,
        "difficulty": draft.difficulty.value,
        "tags": draft.tags,
        "kind": "bugfix",
        "main_file": draft.main_file,
        "editable": draft.editable or [draft.main_file],
        "max_steps": draft.max_steps,
        "test_timeout_s": draft.test_timeout_s,
        "run_timeout_s": draft.run_timeout_s,
    }
    text = "".join(f"{key} = {_toml_value(value)}\n" for key, value in fields.items())
    for table, values in (("tests", draft.tests_table), ("environment", draft.environment)):
        if values:
            text += f"\n[{table}]\n" + "".join(f"{key} = {_toml_value(value)}\n" for key, value in values.items() if value is not None)
    return text


def write_draft(draft: TaskDraft, out: Path, *, force: bool = False) -> Path:
    """Write one task directory and prove the loader accepts it (InvalidTask otherwise)."""
    task_dir = out / draft.id
    if task_dir.exists():
        if not force:
            raise FileExistsError(f"{task_dir} exists; pass --force to replace it")
        shutil.rmtree(task_dir)
    files = {
        "task.toml": task_toml(draft),
        "description.md": draft.description.rstrip() + "\n",
        f"src/{draft.main_file}": draft.source,
        f"solution/{draft.main_file}": draft.solution,
        **{f"solution/{path}": text for path, text in draft.extra_solution.items()},
        **{f"src/{path}": text for path, text in draft.readonly_sources.items()},
        **draft.visible_tests,
        **draft.hidden_tests,
    }
    try:
        for relative, text in files.items():
            path = task_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        load_task(task_dir)
    except (InvalidTask, OSError):
        shutil.rmtree(task_dir, ignore_errors=True)
        raise
    return task_dir


def reject(task_dir: Path, out: Path, reasons: list[str]) -> None:
    """Move a task `tasks check` refused out of the pack, with its reasons beside it."""
    target = out / REJECTED_DIR / task_dir.name
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(task_dir), str(target))
    (target / "REJECTED.txt").write_text("".join(f"- {r}\n" for r in reasons), encoding="utf-8")
