from taskgraph import plan_stages, simulate
from taskgraph.planner import critical_path


def test_stages(graph):
    assert plan_stages(graph) == [
        ["fetch", "codegen", "lint"],
        ["compile-core", "compile-net", "docs"],
        ["link"],
        ["unit-tests"],
    ]


def test_critical_path(graph):
    assert critical_path(graph) == (13.0, ["fetch", "compile-core", "link", "unit-tests"])


def test_two_workers(graph):
    schedule = simulate(graph, workers=2)
    assert schedule.makespan == 13.0
    assert schedule.slot("unit-tests").start == 8.0
