import pytest

from taskgraph import BuildCache, Executor, Graph, Job
from taskgraph.fingerprint import job_fingerprint


def test_source_edit_reruns_downstream(executor):
    executor.run()
    executor.touch("core.c", "int core(void) { return 42; }\n")
    assert executor.run().ran == ["lint", "compile-core", "link", "unit-tests"]


def test_lock_edit_rebuilds_users_of_dependencies(executor):
    executor.run()
    executor.touch("deps.lock", "zlib==1.3.1\n")
    assert executor.run("link").ran == ["fetch", "compile-core", "compile-net", "link"]


def test_lock_edit_full_run(executor):
    executor.run()
    executor.touch("deps.lock", "zlib==1.3.1\n")
    assert executor.run().ran == ["fetch", "compile-core", "compile-net", "link", "unit-tests"]


def test_proto_edit_reaches_docs_and_tests(executor):
    executor.run()
    executor.touch("api.proto", "message Pong {}\n")
    assert executor.run().ran == ["codegen", "compile-net", "docs", "link", "unit-tests"]


def test_changed_command_upstream_reruns_downstream(executor, jobs):
    executor.run()
    codegen = next(j for j in jobs if j.name == "codegen")
    executor.replace_job(codegen.with_command("gen-protos --v2 api.proto"))
    assert executor.run("docs").ran == ["codegen", "docs"]


def test_changed_env_upstream_reruns_downstream():
    a = Job("a", "make a", env=(("CC", "gcc"),), outputs=("a.out",))
    b = Job("b", "use a", needs=("a",))
    executor = Executor(Graph([a, b]))
    executor.run()
    executor.replace_job(Job("a", "make a", env=(("CC", "clang"),), outputs=("a.out",)))
    assert executor.run().ran == ["a", "b"]


def test_fingerprint_depends_on_upstream_fingerprints(jobs):
    link = next(j for j in jobs if j.name == "link")
    one = job_fingerprint(link, {}, {"compile-core": "x", "compile-net": "y"})
    two = job_fingerprint(link, {}, {"compile-core": "x", "compile-net": "z"})
    assert one != two


def test_fingerprint_ignores_jobs_not_needed(jobs):
    link = next(j for j in jobs if j.name == "link")
    one = job_fingerprint(link, {}, {"compile-core": "x", "compile-net": "y", "docs": "1"})
    two = job_fingerprint(link, {}, {"compile-core": "x", "compile-net": "y", "docs": "2"})
    assert one == two


def test_reverting_an_edit_is_up_to_date_again(executor):
    executor.run()
    original = executor.files["core.c"]
    executor.touch("core.c", "changed\n")
    executor.run()
    executor.touch("core.c", original)
    report = executor.run()
    assert report.ran == ["lint", "compile-core", "link", "unit-tests"]
    assert executor.run().ran == []


def test_cache_round_trip_keeps_chain(executor, graph):
    executor.run()
    saved = executor.cache.to_json()
    files = dict(executor.files)
    files["net.c"] = "int net(void) { return 9; }\n"
    later = Executor(graph, files, BuildCache.from_json(saved))
    assert later.run().ran == ["lint", "compile-net", "link", "unit-tests"]


# -- behaviour that already works ------------------------------------------------------------


def test_first_run(executor):
    assert executor.run().ran == ["codegen", "fetch", "lint", "compile-core", "compile-net", "docs", "link", "unit-tests"]


def test_no_op_second_run(executor):
    executor.run()
    assert executor.run().ran == []


def test_edit_own_input(executor):
    executor.run()
    executor.touch("README.md", "# app, documented\n")
    assert executor.run().ran == ["docs"]


def test_force_reruns(executor):
    executor.run()
    assert executor.run("lint", force=True).ran == ["lint"]


def test_deleted_output_reruns_job(executor):
    executor.run()
    del executor.files["site/index.html"]
    assert executor.run("docs").ran == ["docs"]


def test_failure_stops_the_run(graph):
    jobs = [j if j.name != "compile-net" else j.with_command("exit 1") for j in graph.jobs.values()]
    executor = Executor(Graph(jobs), {})
    report = executor.run()
    assert report.failed == {"compile-net": "command exited with status 1"}
    assert "link" in report.not_run and "docs" in report.not_run
    assert not report.ok


def test_keep_going_runs_independent_jobs(graph):
    jobs = [j if j.name != "compile-net" else j.with_command("exit 1") for j in graph.jobs.values()]
    report = Executor(Graph(jobs), {}).run(keep_going=True)
    assert "docs" in report.ran
    assert report.not_run == ["link", "unit-tests"]


def test_missing_output_fails():
    job = Job("a", "x", outputs=("a.out",))
    report = Executor(Graph([job]), runner=lambda j, f: {}).run()
    assert report.failed == {"a": "did not write a.out"}


def test_corrupt_cache_means_rebuild(graph):
    cache = BuildCache.from_json("{not json")
    assert len(Executor(graph, {}, cache).run().ran) == 8


def test_cache_version_mismatch():
    assert BuildCache.from_json('{"version": 1, "jobs": {"a": {"fingerprint": "x"}}}').entries == {}
