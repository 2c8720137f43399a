import pytest

from build_order import CycleError, build_order, dependents_of


def test_independent_targets_alphabetical():
    assert build_order({"b": [], "c": [], "a": []}) == ["a", "b", "c"]


def test_simple_chain():
    assert build_order({"c": ["b"], "b": ["a"], "a": []}) == ["a", "b", "c"]


def test_dependency_not_listed_as_key():
    assert build_order({"app": ["lib"]}) == ["lib", "app"]


def test_example_from_description():
    graph = {"app": ["lib", "config"], "lib": ["config"], "docs": [], "config": []}
    assert build_order(graph) == ["config", "docs", "lib", "app"]


def test_cycle_raises():
    with pytest.raises(CycleError):
        build_order({"a": ["b"], "b": ["a"]})


def test_dependents_of():
    graph = {"app": ["lib"], "lib": ["core"], "tool": ["core"], "core": []}
    assert dependents_of(graph, "core") == ["app", "lib", "tool"]
