"""The copy rules of project episodes (tasks/project.py, tasks/project_task.py) on real directories:
what is copied and what is not, what is refused and how the refusal reads, test targets and the
declared requirements. No sandbox needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from client_examples.sample_project import FILES, write_sample_project
from tasks.project import ProjectLimits, ProjectRefused, copy_project, resolve_under_roots
from tasks.project_task import detect_requirements, parse_test_command, project_task


def open_copy(root: Path, path: str, limits: ProjectLimits | None = None):
    return copy_project(resolve_under_roots(path, (root,)), limits or ProjectLimits())


def test_sample_project_copies_its_text_files_only(tmp_path):
    project = write_sample_project(tmp_path / "shop")
    copy = open_copy(tmp_path, str(project))
    assert set(copy.files) == set(FILES)
    assert copy.files["shopcart/pricing.py"] == FILES["shopcart/pricing.py"]
    assert copy.skipped == {"binary (not UTF-8 text)": 1, "ignored": 2, "ignored directory": 4}


def test_gitignore_nested_and_negated(tmp_path):
    root = tmp_path / "p"
    for path, text in {
        ".gitignore": "*.dat\n!keep.dat\ngenerated/\n/top_only.txt\n",
        "a.dat": "x", "keep.dat": "y", "top_only.txt": "z", "sub/top_only.txt": "w",
        "generated/x.py": "1", "sub/generated/y.py": "2",
        "sub/.gitignore": "local.py\n!a2.dat\n", "sub/local.py": "3", "local.py": "4", "sub/a2.dat": "5",
    }.items():  # fmt: skip
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    copy = open_copy(tmp_path, str(root))
    assert set(copy.files) == {".gitignore", "keep.dat", "sub/top_only.txt", "sub/.gitignore", "local.py", "sub/a2.dat"}


def test_symlinks_inside_are_never_followed(tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("the user's ssh key")
    root = tmp_path / "root" / "p"
    root.mkdir(parents=True)
    (root / "main.py").write_text("x = 1\n")
    (root / "leak.py").symlink_to(secret)
    (root / "leakdir").symlink_to(secret.parent)
    (root / "fifo").parent.mkdir(exist_ok=True)
    os.mkfifo(root / "fifo")
    copy = open_copy(tmp_path / "root", str(root))
    assert set(copy.files) == {"main.py"}
    assert copy.skipped == {"symlink (never followed)": 2, "not a regular file": 1}
    assert "ssh key" not in repr(copy.files)


def test_oversized_file_skipped_and_large_project_refused_with_numbers(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "big.py").write_text("x" * 2000)
    (root / "a.py").write_text("a = 1\n")
    copy = open_copy(tmp_path, str(root), ProjectLimits(max_file_bytes=1000))
    assert set(copy.files) == {"a.py"} and copy.skipped == {"over 1,000 bytes": 1}
    for name in "bcdef":
        (root / f"{name}.py").write_text("y" * 900)
    with pytest.raises(ProjectRefused) as refused:
        open_copy(tmp_path, str(root), ProjectLimits(max_total_bytes=3000))
    message = str(refused.value)
    assert "too large" in message and "3,000 bytes" in message and "--project-max-mb" in message and str(root) in message
    with pytest.raises(ProjectRefused, match="2 files"):
        open_copy(tmp_path, str(root), ProjectLimits(max_files=2))


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("{outside}", "outside the allowed project roots"),
        ("{root}/../outside", "outside the allowed project roots"),
        ("{root}/link_out", "resolves to"),
        ("{root}/missing", "does not exist"),
        ("{root}/p/main.py", "is a file"),
        ("", "must be a directory"),
        ("{root}/p\x00", "must be a directory"),
    ],
)
def test_refused_paths_say_why(tmp_path, path, needle):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "p").mkdir(parents=True)
    (root / "p" / "main.py").write_text("x = 1\n")
    outside.mkdir()
    (outside / "secret.py").write_text("s = 1\n")
    (root / "link_out").symlink_to(outside)
    with pytest.raises(ProjectRefused, match=needle):
        resolve_under_roots(path.format(root=root, outside=outside), (root,))


def test_without_a_root_open_project_says_how_to_allow_one(tmp_path):
    with pytest.raises(ProjectRefused, match="--project-root"):
        resolve_under_roots(str(tmp_path), ())


def test_relative_path_is_under_the_only_root(tmp_path):
    (tmp_path / "p").mkdir()
    assert resolve_under_roots("p", (tmp_path,)) == (tmp_path / "p").resolve()
    with pytest.raises(ProjectRefused, match="several roots"):
        resolve_under_roots("p", (tmp_path, tmp_path / "p"))


def test_test_command_targets_and_refusals():
    files = {"tests/unit/test_a.py": "", "tests/unit/test_b.py": "", "tests/slow_test.py": "", "pkg/mod.py": "", "conftest.py": ""}
    assert parse_test_command(None, files) == (("tests/slow_test.py", "tests/unit/test_a.py", "tests/unit/test_b.py"), None)
    assert parse_test_command("pytest tests/unit -k 'parse and not slow'", files) == (("tests/unit/test_a.py", "tests/unit/test_b.py"), "parse and not slow")
    assert parse_test_command("python -m pytest tests/unit/test_a.py::test_x", files) == (("tests/unit/test_a.py::test_x",), None)
    assert parse_test_command("-kfoo", files) == (("tests/slow_test.py", "tests/unit/test_a.py", "tests/unit/test_b.py"), "foo")
    for command, needle in [
        ("-p evil_plugin", "option '-p' is not supported"),
        ("--rootdir=/", "option '--rootdir=/' is not supported"),
        ("../x/test_a.py", "relative to the project root"),
        ("/etc/passwd", "relative to the project root"),
        ("docs", "neither a file of the project"),
        ("-k a -k b", "one -k"),
        ("tests 'unclosed", "cannot be split"),
        ("-k 'x) or not (y'", "not one pytest can read"),  # accepted, then every run was a pytest usage error
        ("-k not", "expected a name"),
    ]:
        with pytest.raises(ProjectRefused, match=needle):
            parse_test_command(command, files)


def test_requirements_from_requirements_pyproject_and_setup_cfg_never_running_setup_py(tmp_path):
    files = {
        "requirements.txt": "toolz>=0.12  # inline comment\n-r other.txt\n--index-url https://evil.example\n-e .\nattrs\n",
        "requirements-dev.txt": "six\nevil @ https://evil.example/evil.tar.gz\n",
        "pyproject.toml": '[project]\nname = "mine"\ndependencies = ["Attrs>=22", "mine[x]"]\n[project.optional-dependencies]\ntest = ["hypothesis"]\ndocs = ["sphinx"]\n',
        "setup.cfg": "[options]\ninstall_requires =\n    more-itertools\n[options.extras_require]\ntesting = iniconfig\n",
        "setup.py": f"open({str(tmp_path / 'ran')!r}, 'w').write('setup.py ran')\n",
        "sub/requirements.txt": "not_at_the_root\n",
    }
    assert detect_requirements(files) == ("six", "toolz>=0.12", "attrs", "hypothesis", "more-itertools", "iniconfig")
    assert not (tmp_path / "ran").exists()


def test_project_task_every_file_editable_no_hidden_tests(tmp_path):
    project = write_sample_project(tmp_path / "shop")
    task = project_task(open_copy(tmp_path, str(project)), None, 50, 10, 60)
    assert set(task.spec.editable) == set(FILES) and not task.hidden_test_files and not task.solution_files
    assert set(task.test_files) == {"tests/test_pricing.py"} and task.spec.main_file == "tests/test_pricing.py"
    assert task.environment is not None and task.environment.requirements == ("toolz>=0.12",)
    assert task.project.root == str(project.resolve()) and task.project.test_targets == ("tests/test_pricing.py",)


def test_empty_project_is_refused(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "logo.png").write_bytes(b"\x89PNG\x00")
    with pytest.raises(ProjectRefused, match="no text file to copy"):
        project_task(open_copy(tmp_path, str(tmp_path / "p")), None, 50, 10, 60)


def test_serve_options_roots_from_flag_or_variable_and_a_bad_root_named(tmp_path):
    import argparse

    from cli.settings import ConfigError, add_options, add_project_options, service_settings

    parser = argparse.ArgumentParser()
    add_options(parser)
    add_project_options(parser)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    env = {"DEBUGBOX_PROJECT_ROOTS": f"{tmp_path / 'a'}:{tmp_path / 'b'}", "DEBUGBOX_PROJECT_MAX_MB": "0.5"}
    settings = service_settings(parser.parse_args([]), env)
    assert settings.project_roots == ((tmp_path / "a").resolve(), (tmp_path / "b").resolve())
    assert settings.project_limits.max_total_bytes == 512 * 1024
    flagged = service_settings(parser.parse_args(["--project-root", str(tmp_path / "a"), "--project-max-files", "7"]), env)
    assert flagged.project_roots == ((tmp_path / "a").resolve(),) and flagged.project_limits.max_files == 7
    assert service_settings(parser.parse_args([]), {}).project_roots == ()
    with pytest.raises(ConfigError, match="--project-root='/nonexistent/code': not an existing directory"):
        service_settings(parser.parse_args(["--project-root", "/nonexistent/code"]), {})
    timed = service_settings(parser.parse_args(["--project-run-timeout-s", "300"]), {"DEBUGBOX_PROJECT_MAX_STEPS": "40"})
    assert (timed.project_run_timeout_s, timed.project_max_steps, timed.project_test_timeout_s) == (300, 40, 30)
    with pytest.raises(ConfigError, match="--project-test-timeout-s='0'"):
        service_settings(parser.parse_args(["--project-test-timeout-s", "0"]), {})
    with pytest.raises(ConfigError, match="DEBUGBOX_PROJECT_MAX_MB='lots'"):
        service_settings(parser.parse_args([]), {"DEBUGBOX_PROJECT_MAX_MB": "lots"})


def test_deep_nesting_is_skipped_and_a_slow_copy_given_up(tmp_path):
    root = tmp_path / "p"
    deep = root.joinpath(*[f"d{n}" for n in range(6)])
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("x = 1\n")
    (root / "top.py").write_text("t = 1\n")
    copy = open_copy(tmp_path, str(root), ProjectLimits(max_depth=4))
    assert set(copy.files) == {"top.py"} and copy.skipped == {"nested deeper than 4 directories": 1}
    assert "d0/d1/d2/d3/d4/d5/x.py" in open_copy(tmp_path, str(root)).files
    with pytest.raises(ProjectRefused, match="took longer than 1e-09 s"):
        open_copy(tmp_path, str(root), ProjectLimits(max_copy_s=1e-9))


def test_a_backtracking_gitignore_pattern_neither_hangs_the_copy_nor_holds_the_server(tmp_path):
    """pathspec compiles gitignore globs for `re`: `a*a*...*b` against a 200-character name backtracked
    for hours with the GIL held, past the copy's deadline, freezing every episode of the server
    (red team). Matched by the `regex` engine with the deadline, the copy is prompt and right."""
    import subprocess
    import sys

    root = tmp_path / "p"
    root.mkdir()
    (root / ".gitignore").write_text("a*a*a*a*a*a*a*a*a*a*a*a*b\nsecret*.env\n")
    (root / ("a" * 200 + ".py")).write_text("x = 1\n")
    (root / "secret-prod.env").write_text("TOKEN=1\n")
    code = (
        "import sys; from pathlib import Path; from tasks.project import copy_project, ProjectLimits\n"
        f"print(sorted(copy_project(Path({str(root)!r}), ProjectLimits(max_copy_s=5)).files))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr(sorted([".gitignore", "a" * 200 + ".py"]))  # the secret is still ignored


def test_a_gitignore_match_past_the_deadline_stops_with_a_clear_refusal(tmp_path):
    import time

    from tasks.project import _TimedRegex

    with pytest.raises(TimeoutError):  # the engine stops at the deadline, however long the match would take
        _TimedRegex(r"^(?:.+/)?" + r"a[^/]*" * 20 + "b$", time.monotonic() + 0.05).match("/".join(["a" * 250] * 30))
    root = tmp_path / "p"
    root.mkdir()
    (root / ".gitignore").write_text("*.log\nbuild-*-*-*.txt\n")  # the second may backtrack: the timed engine's
    (root / "m.py").write_text("x = 1\n")

    class Expired(_TimedRegex):
        def match(self, text):
            raise TimeoutError

    import tasks.project as project

    original = project._TimedRegex
    project._TimedRegex = Expired
    try:
        with pytest.raises(ProjectRefused, match=r"took longer than .*; a \.gitignore pattern that backtracks"):
            open_copy(tmp_path, str(root))
    finally:
        project._TimedRegex = original


def test_a_directory_above_the_project_swapped_for_a_symlink_after_the_check_is_refused(tmp_path):
    """O_NOFOLLOW guards only the last component: after resolve_under_roots checked root/a/p,
    `a` replaced by a symlink to a directory outside the roots led the copy there (red team)."""
    roots = tmp_path / "roots"
    (roots / "a" / "p").mkdir(parents=True)
    (roots / "a" / "p" / "main.py").write_text("x = 1\n")
    outside = tmp_path / "outside" / "p"
    outside.mkdir(parents=True)
    (outside / "secret.py").write_text("KEY = 'the user\\'s secret'\n")
    checked = resolve_under_roots(str(roots / "a" / "p"), (roots,))
    (roots / "a").rename(tmp_path / "moved")
    (roots / "a").symlink_to(outside.parent)  # the swap, between the check and the copy
    with pytest.raises(ProjectRefused, match="changed while it was being opened"):
        copy_project(checked, ProjectLimits())


def test_the_keyword_grammar_is_pytests():
    """tasks/keywords.py against pytest's own parser (private API, so only here) on random expressions."""
    import random

    from _pytest.mark.expression import Expression

    from tasks.keywords import keyword_problem

    rnd = random.Random(3)
    pieces = ["a", "test_x", "not", "and", "or", "(", ")", "x[1-2]", "y::z", "a.b", "\\", "@", "-"]
    for _ in range(5000):
        expression = " ".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 7)))
        try:
            Expression.compile(expression)
            parses = True
        except Exception:
            parses = False
        assert (keyword_problem(expression) is None) == parses, expression
