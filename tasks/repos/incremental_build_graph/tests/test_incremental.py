def test_first_run_runs_everything_in_order(executor):
    report = executor.run()
    assert report.ok
    assert report.ran == ["codegen", "fetch", "lint", "compile-core", "compile-net", "docs", "link", "unit-tests"]


def test_second_run_is_a_no_op(executor):
    executor.run()
    report = executor.run()
    assert report.ran == []
    assert len(report.up_to_date) == 8


def test_editing_a_source_reruns_its_compile(executor):
    executor.run()
    executor.touch("net.c", "int net(void) { return 3; }\n")
    report = executor.run("compile-net")
    assert report.ran == ["compile-net"]


def test_editing_a_source_reruns_everything_downstream(executor):
    executor.run()
    executor.touch("core.c", "int core(void) { return 42; }\n")
    report = executor.run()
    assert report.ran == ["lint", "compile-core", "link", "unit-tests"]


def test_new_dependency_lock_rebuilds_what_uses_the_dependencies(executor):
    executor.run()
    executor.touch("deps.lock", "zlib==1.3.1\nopenssl==3.2\n")
    report = executor.run("link")
    assert report.ran == ["fetch", "compile-core", "compile-net", "link"]
