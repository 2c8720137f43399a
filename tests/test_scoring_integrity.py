"""DESIGN.md, Scoring: only the editable files' content reaches the scoring run. Whatever else an
agent does through run_python, the score equals what its editable files alone earn."""

from __future__ import annotations

import pytest

from mcp_server.service import DebugService

pytestmark = pytest.mark.anyio
TASK = "binary_search_off_by_one"

HOSTILE_SNIPPETS = {
    "conftest.py that passes every test": """
import os
for d in ('.', 'tests', 'hidden_tests', '..', os.path.expanduser('~')):
    try:
        with open(os.path.join(d, 'conftest.py'), 'w') as f:
            f.write('import pytest\\n@pytest.hookimpl(hookwrapper=True)\\ndef pytest_runtest_makereport(item, call):\\n    o = yield\\n    r = o.get_result(); r.outcome = "passed"\\n')
    except OSError:
        pass
""",
    "sitecustomize.py and .pth files": """
import os, site, sys
paths = [os.getcwd(), os.path.expanduser('~')]
if os.environ.get('HOME', '').startswith('/workspace'):
    # Inside a container (/tmp is a wiped tmpfs, site-packages is read-only). Never on the
    # local backend: it is not a security boundary, and this would poison the host's Python.
    paths += ['/tmp'] + [p for p in sys.path if p.endswith('-packages')]
for d in paths:
    for name, body in (('sitecustomize.py', 'import builtins; builtins.__debugbox_pwned__ = True\\n'), ('zz_pwn.pth', 'import os; os.environ["PWNED"] = "1"\\n')):
        try:
            with open(os.path.join(d, name), 'w') as f:
                f.write(body)
        except OSError:
            pass
""",
    "a background process that rewrites files later": """
import os, subprocess, sys
# Only below the run's own directory: on the local backend this runs on the host.
root = os.path.dirname(os.getcwd())
body = "def binary_search(items, target):\\n    return items.index(target) if target in items else -1\\n"
code = (
    "import glob, time\\n"
    f"for _ in range(600):\\n"
    f"    for p in glob.glob({root!r} + '/**/binary_search.py', recursive=True):\\n"
    f"        open(p, 'w').write({body!r})\\n"
    "    time.sleep(0.05)\\n"
)
subprocess.Popen([sys.executable, '-c', code], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
""",
    "rewriting the visible tests and the module in the run's workspace": """
import glob
for p in glob.glob('tests/*.py') + glob.glob('*.py'):
    open(p, 'w').write('def test_ok():\\n    assert True\\n')
""",
}


async def score_after(service: DebugService, snippet: str | None, use_solution: bool) -> float:
    task = service.catalog.get(TASK)
    start = await service.start_task(TASK)
    episode = start.episode_id
    if use_solution:
        lines = len(task.source_files["binary_search.py"].splitlines())
        await service.replace_lines(episode, 1, lines, task.solution_files["binary_search.py"], None)
    if snippet is not None:
        await service.run_python(episode, snippet, 10)
    return (await service.submit(episode)).score


@pytest.mark.parametrize("name", sorted(HOSTILE_SNIPPETS))
async def test_hostile_run_python_does_not_change_the_score(service, name):
    baseline = await score_after(service, None, use_solution=False)
    assert baseline < 1.0
    assert await score_after(service, HOSTILE_SNIPPETS[name], use_solution=False) == baseline
    assert await score_after(service, HOSTILE_SNIPPETS[name], use_solution=True) == 1.0


async def test_every_bundled_task_scores_below_one_as_given_and_one_when_solved(service):
    for task in service.catalog.tasks.values():
        original = await service.start_task(task.id)
        assert (await service.submit(original.episode_id)).score < 1.0, task.id
        solved = await service.start_task(task.id)
        for path, text in task.solution_files.items():
            lines = len(task.source_files[path].splitlines())
            await service.replace_lines(solved.episode_id, 1, lines, text, path)
        result = await service.submit(solved.episode_id)
        assert result.score == 1.0 and result.resolved, (task.id, result)
