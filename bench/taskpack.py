"""The bench's own task pack, written to a temp dir and passed with --tasks: binary_search_off_by_one
with exactly 3 visible tests (small) and with 30 (medium). In both, exactly one visible test fails on
the buggy code, so every run also exercises the failure report."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

from bench.measure import REPO

SOURCE_TASK = REPO / "tasks" / "bundled" / "binary_search_off_by_one"
SMALL = "bench_three_tests"
MEDIUM = "bench_thirty_tests"

THREE_TESTS = '''from binary_search import binary_search


def test_finds_middle_element():
    assert binary_search([1, 3, 5, 7, 9], 5) == 2


def test_finds_last_element():
    assert binary_search([1, 3, 5, 7, 9], 9) == 4


def test_missing_value_returns_minus_one():
    assert binary_search([1, 3, 5, 7, 9], 4) == -1
'''


def thirty_tests() -> str:
    """29 quick tests that pass on the buggy code and one that does not (the last element)."""
    namespace: dict = {}
    exec((SOURCE_TASK / "src" / "binary_search.py").read_text(), namespace)  # the buggy search
    items = list(range(1, 60, 2))
    found = [(i, v) for i, v in enumerate(items) if namespace["binary_search"](items, v) == i]
    cases = [f"binary_search(ITEMS, {v}) == {i}" for i, v in found]
    cases += [f"binary_search(ITEMS, {v}) == -1" for v in range(0, 62, 2)]  # missing values
    out = ["from binary_search import binary_search, contains", "", "ITEMS = " + repr(items), ""]
    for n, case in enumerate(cases[:29]):
        out += ["", f"def test_case_{n:02d}():", f"    assert {case}", ""]
    out += ["", "def test_finds_last_item():", f"    assert contains(ITEMS, {items[-1]})", ""]
    return "\n".join(out)


def task_toml(task_id: str, tests: int) -> str:
    return f'''id = "{task_id}"
title = "Binary search misses the last element ({tests} visible tests, for benchmarks)"
difficulty = "easy"
tags = ["benchmark"]
kind = "bugfix"
main_file = "binary_search.py"
editable = ["binary_search.py"]
max_steps = 1000
test_timeout_s = 5
run_timeout_s = 30
'''


def make_task_pack(root: Path) -> Path:
    pack = root / "pack"
    for task_id, tests, text in ((SMALL, 3, THREE_TESTS), (MEDIUM, 30, thirty_tests())):
        task = pack / task_id
        shutil.copytree(SOURCE_TASK, task, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.rmtree(task / "tests")
        (task / "tests").mkdir()
        (task / "tests" / "test_binary_search.py").write_text(text, encoding="utf-8")
        (task / "task.toml").write_text(task_toml(task_id, tests), encoding="utf-8")
    return pack


def solution_files(pack: Path, task_id: str) -> dict[str, str]:
    solution = pack / task_id / "solution"
    return {p.relative_to(solution).as_posix(): p.read_text() for p in solution.rglob("*.py")}


def workspace_files(pack: Path, task_id: str) -> dict[str, str]:
    """What a visible run writes into the workspace: src/ at its root, tests/ under tests/."""
    task = pack / task_id
    files = {p.relative_to(task / "src").as_posix(): p.read_text() for p in (task / "src").rglob("*.py")}
    files |= {"tests/" + p.relative_to(task / "tests").as_posix(): p.read_text() for p in (task / "tests").rglob("*.py")}
    return files


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    for p in [root, *root.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)  # readable by the sandbox user (65534)
    return root


def tar_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in sorted({str(Path(p).parent) for p in files if "/" in p}):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
