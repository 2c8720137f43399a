"""tasks/model.py and tasks/loader.py: valid and malformed task directories, packs, the catalog."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.loader import BUNDLED_PACK, TASKS_ENV_VAR, Catalog, InvalidTask, load_catalog, load_pack, load_task, pack_dirs
from tasks.model import Difficulty, TaskSpec, count_tests

SRC = "def add(a, b):\n    return a - b\n"
SOLUTION = "def add(a, b):\n    return a + b\n"
VISIBLE = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
HIDDEN = "from calc import add\n\n\ndef test_add_hidden():\n    assert add(2, 2) == 4\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"


def toml_for(task_id: str, **fields) -> str:
    values = {
        "id": task_id,
        "title": f"Task {task_id}",
        "difficulty": "easy",
        "tags": ["math"],
        "kind": "bugfix",
        "main_file": "calc.py",
        "editable": ["calc.py"],
        "max_steps": 20,
        "test_timeout_s": 5,
        "run_timeout_s": 30,
    }
    values.update(fields)
    lines = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, str):
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        elif isinstance(value, list):
            lines.append(f"{key} = [{', '.join(chr(34) + v + chr(34) for v in value)}]")
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def write_task(pack: Path, task_id: str, **fields) -> Path:
    """A valid task directory (fields override task.toml keys; None drops a key)."""
    root = pack / task_id
    files = {
        "task.toml": toml_for(task_id, **fields),
        "description.md": "add() should add two numbers.\n",
        "src/calc.py": SRC,
        "src/helpers.py": "CONSTANT = 1\n",
        "tests/test_calc.py": VISIBLE,
        "hidden_tests/test_calc_hidden.py": HIDDEN,
        "solution/calc.py": SOLUTION,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def only_error(errors) -> str:
    assert len(errors) == 1, [str(e) for e in errors]
    return str(errors[0])


# -- a valid task ----------------------------------------------------------------------------


def test_valid_task_loads(tmp_path):
    root = write_task(tmp_path, "calc_add")
    (root / "src" / "__pycache__").mkdir()
    (root / "src" / "__pycache__" / "calc.cpython-311.pyc").write_bytes(b"\x00\xff binary")
    task = load_task(root)
    assert task.id == "calc_add"
    assert task.spec.difficulty == Difficulty.easy
    assert task.spec.tags == ("math",)
    assert task.description.startswith("add()")
    assert task.source_files == {"calc.py": SRC, "helpers.py": "CONSTANT = 1\n"}
    assert task.test_files == {"tests/test_calc.py": VISIBLE}
    assert task.hidden_test_files == {"hidden_tests/test_calc_hidden.py": HIDDEN}
    assert task.solution_files == {"calc.py": SOLUTION}
    assert task.editable_files() == {"calc.py": SRC}
    assert task.readonly_source_files() == {"helpers.py": "CONSTANT = 1\n"}
    assert task.solved_files() == {"calc.py": SOLUTION}
    assert task.origin == str(root)


def test_defaults_apply(tmp_path):
    root = write_task(tmp_path, "defaults", tags=None, kind=None, max_steps=None, test_timeout_s=None, run_timeout_s=None)
    spec = load_task(root).spec
    assert spec.kind == "bugfix" and spec.tags == () and spec.max_steps == 30
    assert spec.test_timeout_s == 5.0 and spec.run_timeout_s == 30.0


def test_nested_editable_files(tmp_path):
    root = write_task(tmp_path, "nested", main_file="pkg/core.py", editable=["pkg/core.py", "pkg/__init__.py"])
    (root / "src" / "pkg").mkdir()
    (root / "src" / "pkg" / "core.py").write_text("X = 1\n")
    (root / "src" / "pkg" / "__init__.py").write_text("")
    (root / "solution" / "calc.py").unlink()
    (root / "solution" / "pkg").mkdir()
    (root / "solution" / "pkg" / "core.py").write_text("X = 2\n")
    task = load_task(root)
    assert set(task.editable_files()) == {"pkg/core.py", "pkg/__init__.py"}
    assert task.solved_files() == {"pkg/core.py": "X = 2\n", "pkg/__init__.py": ""}
    assert set(task.readonly_source_files()) == {"calc.py", "helpers.py"}


def test_single_task_directory_is_a_pack(tmp_path):
    root = write_task(tmp_path, "solo")
    tasks, errors = load_pack(root)
    assert [t.id for t in tasks] == ["solo"] and errors == []


def test_missing_pack_directory(tmp_path):
    tasks, errors = load_pack(tmp_path / "nowhere")
    assert tasks == []
    assert str(tmp_path / "nowhere") in only_error(errors)


def test_hidden_directories_are_skipped(tmp_path):
    write_task(tmp_path, "good")
    (tmp_path / ".git").mkdir()
    (tmp_path / "__pycache__").mkdir()
    tasks, errors = load_pack(tmp_path)
    assert [t.id for t in tasks] == ["good"] and errors == []


# -- malformed tasks: each is rejected naming the file (and field); the rest still load --------


def _drop(rel):
    def mutate(root: Path) -> None:
        target = root / rel
        if target.is_dir():
            for child in sorted(target.rglob("*"), reverse=True):
                child.unlink() if child.is_file() else child.rmdir()
            target.rmdir()
        else:
            target.unlink()

    return mutate


def _toml(**fields):
    def mutate(root: Path) -> None:
        (root / "task.toml").write_text(toml_for(root.name, **fields))

    return mutate


def _write(rel, data: bytes | str):
    def mutate(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())

    return mutate


def _raw_toml(text):
    return _write("task.toml", text)


BAD_TASKS = {
    # name: (mutation, file that must be named, field that must be named or None)
    "missing_toml": (_drop("task.toml"), "task.toml", None),
    "bad_toml": (_raw_toml('id = "bad_toml"\ntitle = \n'), "task.toml", None),
    "toml_not_utf8": (_raw_toml(b'id = "toml_not_utf8"\ntitle = "\xff\xfe"\n'), "task.toml", None),
    "unknown_difficulty": (_toml(difficulty="impossible"), "task.toml", "difficulty"),
    "unknown_key": (_toml(colour="red"), "task.toml", "colour"),
    "unknown_kind": (_toml(kind="refactor"), "task.toml", "kind"),
    "missing_title": (_toml(title=None), "task.toml", "title"),
    "bad_max_steps": (_toml(max_steps=0), "task.toml", "max_steps"),
    "id_mismatch": (_toml(id="another_name"), "task.toml", "id"),
    "main_not_editable": (_toml(main_file="helpers.py"), "task.toml", "main_file"),
    "editable_missing_from_src": (_toml(editable=["calc.py", "ghost.py"]), "src/ghost.py", "editable"),
    "absolute_editable": (_toml(editable=["calc.py", "/etc/passwd"]), "task.toml", "editable"),
    "dotdot_editable": (_toml(editable=["calc.py", "../outside.py"]), "task.toml", "editable"),
    "dotdot_main_file": (_toml(main_file="../calc.py", editable=["calc.py"]), "task.toml", "main_file"),
    "duplicate_editable": (_toml(editable=["calc.py", "calc.py"]), "task.toml", "editable"),
    "test_timeout_above_run_timeout": (_toml(test_timeout_s=60, run_timeout_s=30), "task.toml", None),
    "no_description": (_drop("description.md"), "description.md", None),
    "no_visible_tests": (_drop("tests"), "tests", None),
    "no_hidden_tests": (_drop("hidden_tests"), "hidden_tests", None),
    "no_solution": (_drop("solution"), "solution", None),
    "solution_not_editable": (_write("solution/helpers.py", "CONSTANT = 2\n"), "solution/helpers.py", None),
    "non_utf8_source": (_write("src/calc.py", b"def add(a, b):\n    return a - b  # \xff\xfe\n"), "src/calc.py", None),
    "non_utf8_hidden_test": (_write("hidden_tests/test_calc_hidden.py", b"# \xc3\x28\n"), "hidden_tests/test_calc_hidden.py", None),
}


@pytest.mark.parametrize("name", sorted(BAD_TASKS))
def test_malformed_task_is_rejected_and_the_pack_still_loads(tmp_path, name):
    mutate, file, field = BAD_TASKS[name]
    write_task(tmp_path, "good_one")
    bad = write_task(tmp_path, name)
    write_task(tmp_path, "zz_good_two")
    mutate(bad)

    tasks, errors = load_pack(tmp_path)

    assert [t.id for t in tasks] == ["good_one", "zz_good_two"]
    assert errors, f"{name} was accepted"
    text = "\n".join(str(e) for e in errors)
    assert str(bad / file) in text
    if field is not None:
        assert field in text
    assert all(str(bad) in str(e.path) for e in errors)


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("unknown_difficulty", "difficulty"),
        ("unknown_key", "colour"),
        ("id_mismatch", "id"),
        ("editable_missing_from_src", "editable"),
        ("absolute_editable", "editable"),
        ("dotdot_editable", "editable"),
    ],
)
def test_field_is_named_in_the_error(tmp_path, name, field):
    mutate, _, _ = BAD_TASKS[name]
    bad = write_task(tmp_path, name)
    mutate(bad)
    with pytest.raises(InvalidTask) as info:
        load_task(bad)
    assert any(e.field == field or (e.field or "").startswith(field + ".") for e in info.value.errors)
    assert f"field '{field}" in str(info.value)


def test_all_problems_of_a_task_are_reported_at_once(tmp_path):
    bad = write_task(tmp_path, "many_problems")
    _drop("tests")(bad)
    _drop("hidden_tests")(bad)
    _drop("solution")(bad)
    with pytest.raises(InvalidTask) as info:
        load_task(bad)
    paths = {str(e.path) for e in info.value.errors}
    assert {str(bad / "tests"), str(bad / "hidden_tests"), str(bad / "solution")} <= paths


def test_visible_tests_must_be_python(tmp_path):
    bad = write_task(tmp_path, "txt_tests")
    (bad / "tests" / "test_calc.py").unlink()
    (bad / "tests" / "notes.txt").write_text("not a test\n")
    with pytest.raises(InvalidTask, match="no visible test file"):
        load_task(bad)


def test_check_relative_path_on_the_spec():
    base = dict(id="x", title="t", difficulty="easy", main_file="a.py")
    for bad in ["/abs.py", "../up.py", "a/../b.py", "./a.py", "a\\b.py", ""]:
        with pytest.raises(ValueError):
            TaskSpec(**base, editable=("a.py", bad))
    assert TaskSpec(**base, editable=("a.py", "pkg/b.py")).editable == ("a.py", "pkg/b.py")


# -- catalogs: several packs, duplicate ids, DEBUGBOX_TASKS -----------------------------------


def test_duplicate_ids_across_packs(tmp_path):
    first = tmp_path / "first"
    second = tmp_path / "second"
    write_task(first, "dup")
    write_task(second, "dup")
    write_task(second, "unique")
    catalog = load_catalog([str(first), str(second)], include_bundled=False, environ={})
    assert sorted(catalog.tasks) == ["dup", "unique"]
    assert catalog.tasks["dup"].origin == str(first / "dup")
    message = only_error(catalog.errors)
    assert str(second / "dup") in message
    assert str(first / "dup") in message
    assert "dup" in message and "'id'" in message


def test_pack_dirs_order_and_env(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    env = {TASKS_ENV_VAR: f"{a}{os.pathsep}{os.pathsep}{b}{os.pathsep} "}
    assert pack_dirs([str(c)], include_bundled=False, environ=env) == [a, b, c]
    assert pack_dirs(None, environ=env) == [BUNDLED_PACK, a, b]
    assert pack_dirs(None, include_bundled=False, environ={}) == []
    assert pack_dirs(None, include_bundled=False, environ={TASKS_ENV_VAR: ""}) == []


def test_pack_dirs_default_reads_os_environ(tmp_path, monkeypatch):
    monkeypatch.setenv(TASKS_ENV_VAR, str(tmp_path))
    assert pack_dirs(include_bundled=False) == [tmp_path]


def test_load_catalog_from_env_and_extra(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_task(a, "from_a")
    write_task(b, "from_b", difficulty="hard", tags=["strings"])
    write_task(c, "from_c", difficulty="medium")
    env = {TASKS_ENV_VAR: f"{a}{os.pathsep}{b}"}
    catalog = load_catalog([str(c)], include_bundled=False, environ=env)
    assert sorted(catalog.tasks) == ["from_a", "from_b", "from_c"]
    assert catalog.errors == []
    assert [t.id for t in catalog.select(difficulty="hard")] == ["from_b"]
    assert [t.id for t in catalog.select(tag="strings")] == ["from_b"]
    assert sorted(t.id for t in catalog.select(tag="math")) == ["from_a", "from_c"]
    assert catalog.select(difficulty="easy", tag="strings") == []
    assert catalog.get("from_c").spec.difficulty == "medium"
    assert catalog.get("missing") is None


def test_catalog_reports_missing_env_pack(tmp_path):
    catalog = load_catalog(include_bundled=False, environ={TASKS_ENV_VAR: str(tmp_path / "gone")})
    assert catalog.tasks == {}
    assert str(tmp_path / "gone") in only_error(catalog.errors)


def test_catalog_add_pack_twice_reports_duplicates(tmp_path):
    write_task(tmp_path, "once")
    catalog = Catalog()
    catalog.add_pack(tmp_path)
    catalog.add_pack(tmp_path)
    assert list(catalog.tasks) == ["once"]
    assert "duplicate" in only_error(catalog.errors)


# -- count_tests -----------------------------------------------------------------------------


def test_count_tests_functions_and_classes():
    files = {
        "tests/test_a.py": (
            "import pytest\n\n"
            "def test_one(): pass\n"
            "async def test_async(): pass\n"
            "def helper(): pass\n"
            "def testing_too(): pass\n"
            "class TestGroup:\n"
            "    def test_x(self): pass\n"
            "    def test_y(self): pass\n"
            "    def helper(self): pass\n"
            "class Helper:\n"
            "    def test_not_collected(self): pass\n"
            "def outer():\n"
            "    def test_nested(): pass\n"
        ),
    }
    assert count_tests(files) == 5


def test_count_tests_parametrize():
    files = {
        "tests/test_p.py": (
            "import pytest\nfrom pytest import mark\n\n"
            "@pytest.mark.parametrize('x', [1, 2, 3])\n"
            "def test_three(x): pass\n"
            "@pytest.mark.parametrize('x', (1, 2))\n"
            "@pytest.mark.parametrize('y', [1, 2, 3])\n"
            "def test_six(x, y): pass\n"
            "@mark.parametrize('x,y', [(1, 2), (3, 4)])\n"
            "def test_two(x, y): pass\n"
            "@pytest.mark.parametrize('x', list(range(10)))\n"
            "def test_unknown_counts_one(x): pass\n"
            "@pytest.mark.parametrize('x', [])\n"
            "def test_empty_list_counts_one(x): pass\n"
            "@pytest.mark.slow\n"
            "def test_marked(): pass\n"
            "class TestInClass:\n"
            "    @pytest.mark.parametrize('x', [1, 2, 3, 4])\n"
            "    def test_four(self, x): pass\n"
        ),
    }
    assert count_tests(files) == 3 + 6 + 2 + 1 + 1 + 1 + 4


def test_count_tests_skips_non_python_and_broken_files():
    files = {
        "tests/test_ok.py": "def test_a(): pass\ndef test_b(): pass\n",
        "tests/notes.md": "def test_fake(): pass\n",
        "tests/test_broken.py": "def test_a(:\n",
        "tests/conftest.py": "import pytest\n",
    }
    assert count_tests(files) == 2
    assert count_tests({}) == 0


def test_count_tests_of_a_loaded_task(tmp_path):
    task = load_task(write_task(tmp_path, "counted"))
    assert count_tests(task.test_files) == 1
    assert count_tests(task.hidden_test_files) == 2


# -- the bundled pack ------------------------------------------------------------------------


def test_bundled_pack_loads_cleanly():
    tasks, errors = load_pack(BUNDLED_PACK)
    assert errors == [], [str(e) for e in errors]
    ids = {t.id for t in tasks}
    assert len(tasks) >= 12, sorted(ids)
    assert {"valid_parentheses_wrong_mapping", "binary_search_off_by_one", "reverse_string_returns_original"} <= ids
    assert {t.spec.difficulty for t in tasks} == set(Difficulty)
    for task in tasks:
        assert count_tests(task.test_files) >= 1, task.id
        assert count_tests(task.hidden_test_files) >= 1, task.id
        assert task.solution_files, task.id
        assert task.solved_files() != task.editable_files(), task.id


def test_default_catalog_includes_the_bundled_pack():
    catalog = load_catalog(environ={})
    assert "binary_search_off_by_one" in catalog.tasks


@pytest.mark.parametrize("where", ["src/notes.txt", "tests/data.txt", "hidden_tests/data.txt", "solution/helpers.py", "description.md", "src"])
def test_a_symlink_out_of_the_task_is_refused_naming_the_file(tmp_path, where):
    """A pack from elsewhere with src/notes.txt -> /proc/self/environ handed the server's environment
    (its bearer tokens) to every agent as a read-only source file; its size reads 0, so no cap held."""
    outside = tmp_path / "host_secret"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOKEN=hunter2\n")
    (outside / "helpers.py").write_text("TOKEN = 'hunter2'\n")
    root = write_task(tmp_path / "pack", "linked")
    link = root / where
    if where == "src":  # the whole directory: the host's, with a calc.py so that nothing else is amiss
        for child in link.iterdir():
            child.unlink()
        link.rmdir()
        (outside / "calc.py").write_text(SRC)
        link.symlink_to(outside)
    else:
        if link.is_file():
            link.unlink()
        link.symlink_to(outside / ("helpers.py" if where.endswith(".py") else "secret.txt"))
    with pytest.raises(InvalidTask) as refused:
        load_task(root)
    assert "symbolic link out of the task directory" in str(refused.value) and where in str(refused.value)


def test_a_symlink_inside_the_task_is_read(tmp_path):
    root = write_task(tmp_path / "pack", "linked_inside")
    (root / "src" / "alias.py").symlink_to(root / "src" / "helpers.py")
    assert load_task(root).source_files["alias.py"] == "CONSTANT = 1\n"


def test_a_bad_or_backtracking_editable_glob_is_named_and_the_pack_still_loads(tmp_path):
    """editable = ['[z-a].py'] raised re.error out of the loader, so no task of the pack loaded;
    '**?' * 12 + 'X' held it for minutes per file (Python's re backtracking)."""
    import time

    write_task(tmp_path / "pack", "bad_class", editable=["[z-a].py"])
    write_task(tmp_path / "pack", "backtracking", editable=["calc.py", "**?" * 12 + "X"])
    write_task(tmp_path / "pack", "fine")
    started = time.monotonic()
    tasks, errors = load_pack(tmp_path / "pack")
    assert time.monotonic() - started < 5
    assert [t.id for t in tasks] == ["fine"]
    by_task = {e.path.parent.name: e for e in errors}
    assert by_task["bad_class"].field == "editable" and "bad [...] class" in by_task["bad_class"].message
    assert by_task["backtracking"].field == "editable" and "selects no file" in by_task["backtracking"].message
