import pytest

from taskgraph.cli import main
from taskgraph.dot import to_dot


@pytest.fixture
def project(tmp_path, jobfile_text, sources):
    (tmp_path / "Jobfile").write_text(jobfile_text)
    for path, content in sources.items():
        (tmp_path / path).write_text(content)
    return ["--jobfile", str(tmp_path / "Jobfile"), "--root", str(tmp_path)]


def test_run_writes_outputs_and_cache(tmp_path, capsys, project):
    base = project
    assert main([*base, "run"]) == 0
    assert (tmp_path / "build" / "core.o").is_file()
    assert "8 ran, 0 up to date" in capsys.readouterr().out
    assert main([*base, "run"]) == 0
    assert "0 ran, 8 up to date" in capsys.readouterr().out


def test_plan_prints_a_schedule(capsys, project):
    assert main([*project, "plan", "--workers", "1", "link"]) == 0
    assert capsys.readouterr().out.endswith("makespan 11s\n")


def test_unknown_job_is_an_error(capsys, project):
    assert main([*project, "run", "nope"]) == 2
    assert "no job named 'nope'" in capsys.readouterr().err


def test_dot_has_an_edge_per_need(graph):
    dot = to_dot(graph)
    assert dot.count(" -> ") == sum(len(job.needs) for job in graph.jobs.values())
    assert '"fetch" -> "compile-core";' in dot
