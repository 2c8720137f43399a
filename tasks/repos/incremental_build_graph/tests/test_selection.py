from taskgraph import select


def test_single_job_and_glob(graph):
    assert select(graph, "lint") == {"lint"}
    assert select(graph, "compile-*") == {"compile-core", "compile-net"}


def test_job_with_everything_it_needs(graph):
    assert select(graph, "link+") == {"link", "compile-core", "compile-net", "fetch", "codegen"}


def test_tags_and_removal(graph):
    assert select(graph, "tag:build !link") == {"compile-core", "compile-net"}


def test_everything_downstream_of_a_job(graph):
    assert select(graph, "+codegen") == {"codegen", "compile-net", "docs", "link", "unit-tests"}
