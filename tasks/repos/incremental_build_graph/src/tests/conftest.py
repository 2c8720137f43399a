import pytest

from taskgraph import Executor, Graph, parse_jobfile

JOBFILE = """
# The example project: vendored dependencies, two libraries, an app, tests and docs.
job fetch:
    run: fetch-deps --lock deps.lock
    inputs: deps.lock
    outputs: vendor/deps.tar
    duration: 3

job codegen:
    run: gen-protos api.proto
    inputs: api.proto
    outputs: gen/api.py
    duration: 1

job compile-core:
    run: cc -O2 -c core.c
    needs: fetch
    inputs: core.c, core.h
    outputs: build/core.o
    cpus: 2
    duration: 4
    tags: build

job compile-net:
    run: cc -O2 -c net.c
    needs: fetch, codegen
    inputs: net.c
    outputs: build/net.o
    duration: 2
    tags: build

job link:
    run: ld -o app build/core.o build/net.o
    needs: compile-core, compile-net
    outputs: app
    duration: 1
    tags: build

job unit-tests:
    run: ./app --self-test
    needs: link
    duration: 5
    tags: test

job lint:
    run: lint core.c net.c
    inputs: core.c, net.c
    duration: 1
    tags: lint

job docs:
    run: make-docs api.proto
    needs: codegen
    inputs: README.md
    outputs: site/index.html
    duration: 2
    tags: docs
"""

SOURCES = {
    "deps.lock": "zlib==1.3\nopenssl==3.2\n",
    "api.proto": "message Ping {}\n",
    "core.c": "int core(void) { return 1; }\n",
    "core.h": "int core(void);\n",
    "net.c": "int net(void) { return 2; }\n",
    "README.md": "# app\n",
}


@pytest.fixture
def jobs():
    return parse_jobfile(JOBFILE)


@pytest.fixture
def graph(jobs):
    return Graph(jobs)


@pytest.fixture
def executor(graph):
    return Executor(graph, SOURCES)


@pytest.fixture
def jobfile_text():
    return JOBFILE


@pytest.fixture
def sources():
    return dict(SOURCES)
