"""Synthesis, the pure parts (issue 19): each mutator on a snippet, seeded order, test cutting,
near-duplicate signatures, call distance, and hostile archives and pins. No network, no venv."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from tasks.synthesis.callgraph import distance
from tasks.synthesis.candidates import Candidate
from tasks.synthesis.mutators import find_sites, mutate, seeded_order
from tasks.synthesis.sdist import SdistError, parse_pin, read_requires, unpack
from tasks.synthesis.testfilter import keep_units, unit_of, units_in

SNIPPET = '''\
def window(items, size=3, strict=False):
    """Overlapping windows."""  # a comment that must survive
    out = []
    for i in range(len(items) - size + 1):
        if strict and len(items) < size:
            raise ValueError("too short")
        out.append(items[i:i + size])
    return out


def total(values, start):
    result = start
    for v in values:
        result = result + v
    return result


def ratio(a, b):
    return divmod(a, b)


def ready(flags):
    return not flags.get("busy") and flags.get("on") == True
'''


def mutants(mutator: str) -> list[str]:
    """Each changed line (stripped) of every site of one mutator."""
    found = []
    for site in find_sites("m.py", SNIPPET):
        if site.mutator == mutator:
            new = mutate(SNIPPET, site)
            assert new is not None
            changed = [b.strip() for a, b in zip(SNIPPET.splitlines(), new.splitlines()) if a != b]
            found.append(changed[0] if changed else "")
            # Every other line keeps its exact text: formatting and comments survive.
            assert sum(a != b for a, b in zip(SNIPPET.splitlines(), new.splitlines())) <= 1 or mutator == "early_return"
    return found


@pytest.mark.parametrize(
    "mutator, expected",
    [
        ("off_by_one", "for i in range(len(items) - size + 1 - 1):"),
        ("off_by_one", "out.append(items[i:i + size + 1])"),
        ("flip_comparison", "if strict and len(items) <= size:"),
        ("flip_boolean", "if strict or len(items) < size:"),
        ("drop_condition", "if strict:"),
        ("invert_condition", 'return flags.get("busy") and flags.get("on") == True'),
        ("flip_arithmetic", "result = result - v"),
        ("swap_arguments", "return divmod(b, a)"),
        ("wrong_default", "def window(items, size=4, strict=False):"),
        ("wrong_default", "def window(items, size=3, strict=True):"),
        ("remove_statement", ""),
        ("change_constant", 'return not flags.get("busy") and flags.get("on") == False'),
        ("wrong_variable", "result = values"),
        ("early_return", "return result"),
    ],
)
def test_each_mutator_edits_only_its_node(mutator, expected):
    found = mutants(mutator)
    assert found, f"no {mutator} site in the snippet"
    if expected is not None:
        assert expected in found, found


def test_the_comment_and_docstring_survive_every_mutant():
    for site in find_sites("m.py", SNIPPET):
        new = mutate(SNIPPET, site)
        assert "# a comment that must survive" in new and '"""Overlapping windows."""' in new
        assert new != SNIPPET


def test_precedence_gets_parentheses_only_when_needed():
    text = "def f(a, b, c):\n    return a * (b + c)\n"
    lines = {mutate(text, s).splitlines()[1].strip() for s in find_sites("m.py", text) if s.mutator == "flip_arithmetic"}
    assert "return a * (b - c)" in lines and "return a // (b + c)" in lines


def test_sites_and_their_order_are_reproducible_from_the_seed():
    sites = find_sites("m.py", SNIPPET)
    assert sites == find_sites("m.py", SNIPPET)
    first = seeded_order(sites, 7, "pkg==1.0")
    assert first == seeded_order(list(reversed(sites)), 7, "pkg==1.0")
    assert first != seeded_order(sites, 8, "pkg==1.0")


def test_a_module_that_does_not_parse_has_no_sites():
    assert find_sites("m.py", "def f(:\n") == []


def test_near_duplicates_share_a_signature():
    site_a, site_b = [s for s in find_sites("m.py", SNIPPET) if s.function == "total"][:2]
    failing = frozenset({"tests/test_m.py::test_total"})
    a = Candidate((site_a,), {}, failing)
    b = Candidate((site_b,), {}, failing)
    other = Candidate((site_b,), {}, frozenset({"tests/test_m.py::test_window"}))
    assert a.signature == b.signature  # same function, same failing tests: one of them is kept
    assert a.signature != other.signature


TESTS = '''\
import pytest


def helper():
    return 1


@pytest.mark.parametrize("x", [1, 2])
def test_one(x):
    assert x


def test_two():
    assert helper()


class TestGroup:
    def test_a(self):
        assert True

    def test_b(self):
        assert True


class TestGone:
    def test_c(self):
        assert True
'''


def test_keep_units_cuts_tests_but_not_helpers():
    assert units_in(TESTS) == {"test_one", "test_two", "TestGroup::test_a", "TestGroup::test_b", "TestGone::test_c"}
    cut = keep_units(TESTS, {"test_two", "TestGroup::test_b"})
    assert units_in(cut) == {"test_two", "TestGroup::test_b"}
    assert "def helper" in cut and "import pytest" in cut and "TestGone" not in cut and "parametrize" not in cut
    compile(cut, "t.py", "exec")
    assert unit_of("tests/test_m.py::TestGroup::test_a[1-2]") == ("test_m.py", "TestGroup::test_a")


def test_call_distance_follows_calls_by_name():
    sources = {"m.py": "def outer(x):\n    return inner(x)\n\ndef inner(x):\n    return x\n"}
    tests = {"test_m.py": "def test_outer():\n    assert outer(1)\n"}
    assert distance(sources, tests, "test_outer", "outer") == 1
    assert distance(sources, tests, "test_outer", "m.inner") == 2
    assert distance(sources, tests, "test_outer", "unrelated") is None


@pytest.mark.parametrize("text", ["parse", "parse>=1", "parse==1.*", "parse[x]==1.0", "parse==1.0; python_version>'3'", "not a pin!"])
def test_only_exact_pins_are_accepted(text):
    with pytest.raises(SdistError, match="package"):
        parse_pin(text)
    assert parse_pin("Parse==1.22.4") == ("Parse", "1.22.4")


def _tar(tmp_path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    archive = tmp_path / "evil-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo("evil-1.0/link")
            info.type = tarfile.SYMTYPE
            info.linkname = link
            tf.addfile(info)
    return archive


@pytest.mark.parametrize("name", ["../escape.py", "/abs/escape.py", "evil-1.0/../../escape.py"])
def test_an_archive_member_outside_the_directory_is_refused(tmp_path, name):
    archive = _tar(tmp_path, {"evil-1.0/ok.py": b"x = 1\n", name: b"boom\n"})
    with pytest.raises(SdistError, match="would leave"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escape.py").exists()


def test_links_are_dropped_and_metadata_is_read(tmp_path):
    pkg_info = b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\nRequires-Dist: six>=1.5\nRequires-Dist: pytest; extra == 'tests'\n"
    archive = _tar(tmp_path, {"evil-1.0/PKG-INFO": pkg_info}, link="/etc/passwd")
    root = unpack(archive, tmp_path / "out")
    assert not (root / "link").exists()
    assert read_requires(root) == ("six>=1.5",)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--package", "parse"], "must be pinned exactly, like parse==1.2.3"),
        (["--package", "parse>=1"], "must be pinned exactly"),
        ([], "name at least one --package"),
        (["--package", "parse==1.22.4", "--count", "0"], "--count and --workers must be at least 1"),
    ],
)
def test_synthesize_refuses_bad_arguments_naming_them(tmp_path, capsys, argv, message):
    from cli.main import main

    assert main(["tasks", "synthesize", "--out", str(tmp_path / "pack"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "pack").exists()  # nothing written, nothing downloaded
