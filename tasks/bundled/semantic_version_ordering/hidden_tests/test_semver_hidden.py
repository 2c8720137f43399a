import random

import pytest

from semver import Version, compare_versions, latest, parse_version, sort_versions

ORDERED = [
    "0.0.0",
    "0.0.1",
    "0.1.0-0",
    "0.1.0",
    "0.9.0",
    "0.10.0",
    "1.0.0-0",
    "1.0.0-0.0",
    "1.0.0-1",
    "1.0.0-2",
    "1.0.0-10",
    "1.0.0-0a",
    "1.0.0-A",
    "1.0.0-Z-",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0-x",
    "2.0.0",
    "10.0.0",
]


def test_every_pair_of_the_reference_order():
    for i, a in enumerate(ORDERED):
        for j, b in enumerate(ORDERED):
            expected = (i > j) - (i < j)
            assert compare_versions(a, b) == expected, (a, b)


def test_sort_shuffled_reference_order():
    rng = random.Random(77)
    for _ in range(20):
        shuffled = ORDERED[:]
        rng.shuffle(shuffled)
        assert sort_versions(shuffled) == ORDERED


def test_build_metadata_is_ignored_and_sort_is_stable():
    assert compare_versions("1.0.0+a", "1.0.0+b") == 0
    assert compare_versions("1.0.0-rc.1+zzz", "1.0.0-rc.1") == 0
    assert compare_versions("1.0.0+999", "1.0.1") == -1
    assert sort_versions(["1.0.0+b", "0.5.0", "1.0.0+a", "1.0.0"]) == ["0.5.0", "1.0.0+b", "1.0.0+a", "1.0.0"]


def test_sort_returns_new_list_and_accepts_iterables():
    original = ["2.0.0", "1.0.0"]
    assert sort_versions(original) == ["1.0.0", "2.0.0"]
    assert original == ["2.0.0", "1.0.0"]
    assert sort_versions(v for v in ("0.2.0", "0.1.0")) == ["0.1.0", "0.2.0"]
    assert sort_versions([]) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.0.0", Version(0, 0, 0, (), ())),
        ("10.20.30", Version(10, 20, 30, (), ())),
        ("1.1.2-prerelease+meta", Version(1, 1, 2, ("prerelease",), ("meta",))),
        ("1.0.0-alpha.0valid", Version(1, 0, 0, ("alpha", "0valid"), ())),
        ("1.0.0-x.7.z.92", Version(1, 0, 0, ("x", "7", "z", "92"), ())),
        ("1.0.0+0.build.1-rc.10000aaa-kk-0.1", Version(1, 0, 0, (), ("0", "build", "1-rc", "10000aaa-kk-0", "1"))),
        ("1.0.0-rc.1+build.001", Version(1, 0, 0, ("rc", "1"), ("build", "001"))),
        ("1.0.0---RC-SNAPSHOT.12", Version(1, 0, 0, ("--RC-SNAPSHOT", "12"), ())),
        ("99999999999999999999.0.0", Version(99999999999999999999, 0, 0, (), ())),
    ],
)
def test_parse_valid(text, expected):
    parsed = parse_version(text)
    assert parsed == expected
    assert all(isinstance(part, str) for part in parsed.prerelease + parsed.build)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.2",
        "1.2.3.4",
        "01.1.1",
        "1.01.1",
        "1.1.01",
        "v1.2.3",
        " 1.2.3",
        "1.2.3 ",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-+meta",
        "1.2.3-rc..1",
        "1.2.3-rc.01",
        "1.2.3-00",
        "1.2.3+meta..x",
        "1.2.3-alpha_beta",
        "1.2.3+meta+again",
        "-1.2.3",
        "1.-2.3",
        "a.b.c",
        "1.2.3-é",
        "1.2.٣",
    ],
)
def test_parse_invalid(text):
    with pytest.raises(ValueError):
        parse_version(text)


def test_invalid_versions_rejected_by_every_function():
    with pytest.raises(ValueError):
        compare_versions("1.0.0", "1.0")
    with pytest.raises(ValueError):
        sort_versions(["1.0.0", "latest"])
    with pytest.raises(ValueError):
        latest(["1.0.0", "1.0.0-01"])


def test_latest():
    versions = ["1.4.0", "1.10.0-rc.1", "1.9.9", "1.9.10"]
    assert latest(versions) == "1.9.10"
    assert latest(versions, include_prereleases=True) == "1.10.0-rc.1"
    assert latest(["2.0.0-beta", "2.0.0-alpha"]) is None
    assert latest(["2.0.0-beta", "2.0.0-alpha"], include_prereleases=True) == "2.0.0-beta"
    assert latest([]) is None
    assert latest(["1.0.0+first", "1.0.0+second", "0.1.0"]) == "1.0.0+first"


def test_comparison_is_antisymmetric_on_random_versions():
    rng = random.Random(2718)
    pieces = ["0", "1", "2", "10", "alpha", "beta", "rc", "a1", "1a"]

    def random_version():
        text = ".".join(str(rng.randrange(3)) for _ in range(3))
        if rng.random() < 0.6:
            text += "-" + ".".join(rng.choice(pieces) for _ in range(rng.randrange(1, 4)))
        return text

    versions = [random_version() for _ in range(150)]
    for a in versions[:60]:
        for b in versions[60:]:
            assert compare_versions(a, b) == -compare_versions(b, a)
    ordered = sort_versions(versions)
    for first, second in zip(ordered, ordered[1:]):
        assert compare_versions(first, second) <= 0
