import pytest

from build_order import CycleError, build_order, dependents_of


def assert_valid(order, graph):
    position = {target: index for index, target in enumerate(order)}
    assert len(order) == len(position)
    for target, needs in graph.items():
        for need in needs:
            assert position[need] < position[target], (need, target)


def test_example_without_explicit_leaf():
    graph = {"app": ["lib", "config"], "lib": ["config"], "docs": []}
    assert build_order(graph) == ["config", "docs", "lib", "app"]


def test_ready_target_smaller_than_waiting_ones():
    graph = {"b": [], "c": [], "a": ["b"]}
    assert build_order(graph) == ["b", "a", "c"]


def test_tie_breaking_in_larger_graph():
    graph = {
        "z": [],
        "y": ["z"],
        "m": [],
        "n": [],
        "b": ["z"],
        "a": ["y", "b"],
    }
    assert build_order(graph) == ["m", "n", "z", "b", "y", "a"]


def test_diamond_with_implicit_root():
    graph = {"top": ["left", "right"], "left": ["base"], "right": ["base"]}
    assert build_order(graph) == ["base", "left", "right", "top"]


def test_order_is_valid_and_complete_for_bigger_graph():
    graph = {f"t{i:02d}": [f"t{j:02d}" for j in range(i) if (i * j) % 7 == 1] for i in range(1, 30)}
    order = build_order(graph)
    expected_targets = set(graph) | {d for needs in graph.values() for d in needs}
    assert set(order) == expected_targets
    assert_valid(order, graph)
    placed: list[str] = []
    remaining = set(expected_targets)
    while remaining:
        choice = min(t for t in remaining if all(d in placed for d in graph.get(t, [])))
        placed.append(choice)
        remaining.remove(choice)
    assert order == placed


def test_leaf_ordering_matches_greedy_alphabetical_rule():
    graph = {"d": ["a"], "c": [], "b": ["d"], "e": ["c"]}
    assert build_order(graph) == ["a", "c", "d", "b", "e"]


def test_empty_graph():
    assert build_order({}) == []


def test_self_dependency_is_cycle():
    with pytest.raises(CycleError) as info:
        build_order({"a": ["a"], "b": []})
    assert info.value.targets == ["a"]


def test_cycle_reports_stuck_targets():
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"], "e": [], "f": ["x"]}
    with pytest.raises(CycleError) as info:
        build_order(graph)
    assert info.value.targets == ["a", "b", "c", "d"]
    assert isinstance(info.value, ValueError)


def test_dependents_of_leaf_and_unknown():
    graph = {"app": ["lib"], "lib": ["core"]}
    assert dependents_of(graph, "app") == []
    assert dependents_of(graph, "missing") == []
    assert dependents_of(graph, "core") == ["app", "lib"]
