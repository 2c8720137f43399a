"""The patch an episode hands back (environment/patch.py) applies with the real `git apply` and
leaves exactly the episode's files: modified, new, deleted, empty, without a final newline, CRLF,
names git must quote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from environment.patch import changed_paths, git_patch

ORIGINALS = {
    "a.py": "x = 1\ny = 2\n",
    "no_newline.txt": "one\ntwo",
    "crlf.py": "a\r\nb\r\nc\r\n",
    "héllo wörld.py": "print(1)\n",
    "gone.py": "bye\n",
    "empty.py": "",
    'quote"d.py': "q = 1\n",
    "tab\tname.py": "t = 1\n",
    "pkg/deep/mod.py": "".join(f"line {n}\n" for n in range(200)),
}


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(text.encode("utf-8"))


def read_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_bytes().decode("utf-8") for p in root.rglob("*") if p.is_file()}


def applied(tmp: Path, originals: dict[str, str], patch: str) -> dict[str, str]:
    write(tmp, originals)
    (tmp.parent / f"{tmp.name}.patch").write_bytes(patch.encode("utf-8"))
    result = subprocess.run(["git", "apply", "--check", "-v", str(tmp.parent / f"{tmp.name}.patch")], cwd=tmp, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + patch
    subprocess.run(["git", "apply", str(tmp.parent / f"{tmp.name}.patch")], cwd=tmp, check=True)
    return read_tree(tmp)


def test_every_kind_of_change_applies_with_git_apply(tmp_path):
    files = dict(ORIGINALS)
    files["a.py"] = "x = 1\ny = 3\n"
    files["no_newline.txt"] = "one\ntwo\nthree"
    files["crlf.py"] = "a\nB\nc\n"  # as an episode's edit writes it: the user's CRLF is kept
    files["héllo wörld.py"] = "print(2)"
    del files["gone.py"]
    files["fresh/new.py"] = "n = 1\n"
    files["empty.py"] = "now = 'not empty'\n"
    files['quote"d.py'] = "q = 2\n"
    files["tab\tname.py"] = "t = 2\n"
    files["pkg/deep/mod.py"] = files["pkg/deep/mod.py"].replace("line 100\n", "line one hundred\n")
    patch = git_patch(ORIGINALS, files)
    assert patch.count("diff --git") == len(changed_paths(ORIGINALS, files)) == 10
    assert "-b\r\n+B\r\n" in patch and patch.count("\r\n") == 4  # only the changed CRLF line, with its context
    expected = {**files, "crlf.py": "a\r\nB\r\nc\r\n"}
    assert applied(tmp_path / "tree", ORIGINALS, patch) == expected


def test_no_change_is_an_empty_patch():
    assert git_patch(ORIGINALS, dict(ORIGINALS)) == "" and changed_paths(ORIGINALS, dict(ORIGINALS)) == []


LINES = st.lists(st.sampled_from(["a", "b", "c", "", "  d", "é", "x = 1", "\t"]), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=LINES, after=LINES, end_before=st.booleans(), end_after=st.booleans())
def test_any_edit_round_trips_through_git_apply(tmp_path_factory, before, after, end_before, end_after):
    old = "\n".join(before) + ("\n" if end_before and before else "")
    new = "\n".join(after) + ("\n" if end_after and after else "")
    tree = tmp_path_factory.mktemp("t")
    patch = git_patch({"m.py": old}, {"m.py": new})
    if old == new:
        assert patch == ""
        return
    assert applied(tree, {"m.py": old}, patch) == {"m.py": new}


@pytest.mark.parametrize("name", ["sp ace.py", "ü.py", "back\\slash.py"])
def test_names_git_quotes_or_not_apply(tmp_path, name):
    patch = git_patch({name: "a\n"}, {name: "b\n"})
    assert applied(tmp_path / "t", {name: "a\n"}, patch) == {name: "b\n"}
