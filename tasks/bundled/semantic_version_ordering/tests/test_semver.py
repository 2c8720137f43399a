import pytest

from semver import Version, compare_versions, latest, parse_version, sort_versions


def test_parse_full_version():
    assert parse_version("1.0.0-rc.1+b7") == Version(1, 0, 0, ("rc", "1"), ("b7",))


def test_parse_plain_version():
    assert parse_version("2.10.3") == Version(2, 10, 3, (), ())


def test_numeric_comparison():
    assert compare_versions("1.10.0", "1.9.0") == 1
    assert compare_versions("1.2.3", "1.2.3") == 0


def test_prerelease_is_lower():
    assert compare_versions("1.0.0-rc.1", "1.0.0") == -1


def test_sort_and_latest():
    assert sort_versions(["1.0.0", "0.9.1", "1.0.0-beta"]) == ["0.9.1", "1.0.0-beta", "1.0.0"]
    assert latest(["1.2.0", "1.10.0", "2.0.0-alpha"]) == "1.10.0"


def test_invalid():
    with pytest.raises(ValueError):
        parse_version("1.2")
