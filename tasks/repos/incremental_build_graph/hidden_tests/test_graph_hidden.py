import pytest

from taskgraph import CycleError, Graph, Job, JobfileError, UnknownJob, parse_jobfile, plan_stages, select, simulate
from taskgraph.planner import critical_path
from taskgraph.report import render, render_schedule, summary


def chain(n):
    return [Job(f"j{i}", f"step {i}", needs=(f"j{i - 1}",) if i else ()) for i in range(n)]


def test_descendants_are_transitive(graph):
    assert graph.descendants("fetch") == {"compile-core", "compile-net", "link", "unit-tests"}


def test_descendants_of_a_chain():
    g = Graph(chain(6))
    assert g.descendants("j0") == {"j1", "j2", "j3", "j4", "j5"}
    assert g.descendants("j5") == set()


def test_plus_prefix_selects_all_downstream(graph):
    assert select(graph, "+fetch") == {"fetch", "compile-core", "compile-net", "link", "unit-tests"}
    assert select(graph, "+codegen") == {"codegen", "compile-net", "docs", "link", "unit-tests"}


def test_plus_prefix_with_glob(graph):
    assert select(graph, "+compile-*") == {"compile-core", "compile-net", "link", "unit-tests"}


def test_plus_prefix_and_removal(graph):
    assert select(graph, "+fetch !tag:test") == {"fetch", "compile-core", "compile-net", "link"}


def test_run_plus_selection(executor):
    assert executor.run("+codegen").ran == ["codegen", "fetch", "compile-core", "compile-net", "docs", "link", "unit-tests"]


def test_ancestors(graph):
    assert graph.ancestors("unit-tests") == {"link", "compile-core", "compile-net", "fetch", "codegen"}


def test_roots_and_leaves(graph):
    assert graph.roots() == ["codegen", "fetch", "lint"]
    assert graph.leaves() == ["docs", "lint", "unit-tests"]


def test_cycle_is_reported_as_a_path():
    jobs = [Job("a", "x", needs=("c",)), Job("b", "x", needs=("a",)), Job("c", "x", needs=("b",))]
    with pytest.raises(CycleError) as info:
        Graph(jobs)
    assert info.value.cycle == ["a", "c", "b", "a"]


def test_unknown_need_names_both():
    with pytest.raises(UnknownJob, match="'ghost'.*needed by 'a'"):
        Graph([Job("a", "x", needs=("ghost",))])


def test_unknown_selection(graph):
    with pytest.raises(UnknownJob):
        select(graph, "nope")
    with pytest.raises(UnknownJob):
        select(graph, "nope-*")


def test_select_empty_is_everything(graph):
    assert select(graph, []) == set(graph.jobs)


def test_stages_of_a_selection(graph):
    assert plan_stages(graph, {"link", "compile-net"}) == [["compile-net"], ["link"]]


def test_critical_path_of_chain():
    g = Graph(chain(4))
    assert critical_path(g) == (4.0, ["j0", "j1", "j2", "j3"])


@pytest.mark.parametrize("workers, makespan", [(1, 19.0), (2, 13.0), (4, 13.0)])
def test_makespan(graph, workers, makespan):
    assert simulate(graph, workers=workers).makespan == makespan


def test_simulate_needs_a_worker(graph):
    with pytest.raises(ValueError):
        simulate(graph, workers=0)


def test_render_schedule(graph):
    text = render_schedule(simulate(graph, workers=2))
    assert text.endswith("makespan 13s\n")


def test_report_rendering(executor):
    report = executor.run()
    assert summary(report) == "8 ran, 0 up to date"
    assert "  ran         fetch" in render(report)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("job a:\n    needs: b\n", "no `run:`"),
        ("job a:\n    run: x\n    run: y\n", "given twice"),
        ("job a:\n    run: x\njob a:\n    run: y\n", "defined twice"),
        ("job a:\n    colour: red\n", "unknown key"),
        ("    run: x\n", "outside any job"),
        ("job a:\n    run: x\n    cpus: many\n", "cpus must be a number"),
        ("job A:\n    run: x\n", "lowercase"),
        ("job a:\n    run: x\n    env: JUSTNAME\n", "NAME=value"),
    ],
)
def test_jobfile_errors(text, fragment):
    with pytest.raises(JobfileError, match=fragment):
        parse_jobfile(text)


def test_jobfile_error_line_number():
    with pytest.raises(JobfileError, match="line 4"):
        parse_jobfile("job a:\n    run: x\n\n    bogus line\n")


def test_parse_env_sorted():
    (job,) = parse_jobfile("job a:\n    run: x\n    env: B=2, A=1\n")
    assert job.env == (("A", "1"), ("B", "2"))
