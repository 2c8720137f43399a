"""Hostile tenants of one Docker-backed server (issue 15): what one episode could learn of another,
or of its own hidden tests, through a container that serves episodes in turn, a submit its client
drops, and results its code makes too large to carry.

Each test here failed on the code before the fix it names.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import time
from pathlib import Path

import anyio
import pytest

from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from sandbox.docker.provider import DockerProvider, DockerSettings
from tasks.loader import Catalog, load_task
from tests.conftest import require_docker

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_TASK = ROOT / "tasks" / "bundled" / "binary_search_off_by_one"
TASK = "tenant_binary_search"
MODULE = "binary_search.py"
HIDDEN_FILE = "hidden_tests/test_binary_search_hidden.py"
# Every needle is "leakprobe_<kind>_<32 hex>": the scan looks for that shape and compares digests,
# so the scanning snippet itself never holds a needle.
HIDDEN_TOKEN = f"leakprobe_hidden_{secrets.token_hex(16)}"
HIDDEN_TEST_NAME = f"test_{HIDDEN_TOKEN}"
HIDDEN_CONSTANT = f"leakprobe_const_{secrets.token_hex(16)}"


@pytest.fixture(scope="module")
def tenant_catalog(tmp_path_factory) -> Catalog:
    """The bundled binary-search task with one more hidden test whose name, comment and constant
    occur nowhere else."""
    task_dir = tmp_path_factory.mktemp("pack") / TASK
    shutil.copytree(BUNDLED_TASK, task_dir)
    spec = task_dir / "task.toml"
    spec.write_text(spec.read_text().replace('id = "binary_search_off_by_one"', f'id = "{TASK}"'))
    hidden = task_dir / HIDDEN_FILE
    hidden.write_text(
        hidden.read_text()
        + f"\n\n# {HIDDEN_TOKEN}\ndef {HIDDEN_TEST_NAME}():\n    assert len({HIDDEN_CONSTANT!r}) == {len(HIDDEN_CONSTANT)}\n"
    )
    catalog = Catalog()
    task = load_task(task_dir)
    catalog.tasks[task.id] = task
    return catalog


def digest(needle: str) -> str:
    return hashlib.sha256(needle.encode()).hexdigest()


# Reads every readable mapping of its own process (a fork of the runner, so everything the runner
# held at the fork) and the runner's test cache, and prints the digests of every needle-shaped
# string it finds, with the container's host name.
MEMORY_SCAN = r"""
import ctypes, hashlib, json, os, re, sys
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # dumpable again (the runner's fork is not): /proc/self/mem opens
shape = re.compile(rb"leakprobe_[a-z]+_[0-9a-f]{32}")
found, regions, scanned = set(), 0, 0
mem = os.open("/proc/self/mem", os.O_RDONLY)
with open("/proc/self/maps") as maps:
    lines = maps.read().splitlines()
for line in lines:
    fields = line.split()
    if not fields[1].startswith("r") or line.endswith(("[vvar]", "[vsyscall]", "[vvar_vclock]")):
        continue
    start, end = (int(x, 16) for x in fields[0].split("-"))
    position = start
    while position < end:
        size = min(end - position, 1 << 24)
        try:
            data = os.pread(mem, size + 64 if position + size < end else size, position)
        except OSError:
            break
        found.update(hashlib.sha256(m.group()).hexdigest() for m in shape.finditer(data))
        scanned += len(data)
        position += size
        del data
    regions += 1
runner = sys.modules.get("__main__")
cache = getattr(getattr(runner, "REWRITTEN_TESTS", None), "codes", {})
cached = sorted(str(key[0]) for key in cache)
print(json.dumps({"host": os.uname().nodename, "found": sorted(found), "regions": regions, "scanned": scanned, "cached": cached}))
"""


async def scan(service: DebugService, episode: str, owner: str) -> dict:
    result = await service.run_python(episode, MEMORY_SCAN, 30, owner=owner)
    assert result.exception is None, result.traceback
    return json.loads(result.stdout)


async def wait_for(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await anyio.sleep(0.1)


@pytest.mark.parametrize("episodes_per_container", [100, 1], ids=["reuse", "no-reuse"])
async def test_a_later_tenant_finds_nothing_of_an_earlier_episode_in_memory(tenant_catalog, episodes_per_container):
    """Issue 15, attack 1: tenant A solves the task (its code carries a unique marker) and submits,
    so the hidden tests run in A's container; tenant B's episodes then scan every readable byte of
    their process, a fork of the runner, and the runner's test cache: not one of A's hidden test
    names, comments or constants, nor A's code, is there. With reuse on, one of B's episodes must
    land in A's very container, or the test proves nothing."""
    require_docker()
    task = tenant_catalog.get(TASK)
    code_marker = f"leakprobe_code_{secrets.token_hex(16)}"
    needles = {digest(n): n for n in (HIDDEN_TOKEN, HIDDEN_CONSTANT, code_marker)}
    provider = DockerProvider(DockerSettings(pool_size=1, episodes_per_container=episodes_per_container))
    service = DebugService(tenant_catalog, provider, ServiceSettings(max_episodes_per_owner=4))
    async with running(service):
        await wait_for(lambda: provider.status()["pool_idle"] == 1)
        a = (await service.start_task(TASK, owner="tenant-a")).episode_id
        host_a = (await scan(service, a, "tenant-a"))["host"]
        lines = len(task.source_files[MODULE].splitlines())
        await service.replace_lines(a, 1, lines, f"# {code_marker}\n" + task.solution_files[MODULE], MODULE, owner="tenant-a")
        assert (await service.run_tests(a, owner="tenant-a")).passed > 0
        submitted = await service.submit(a, owner="tenant-a")
        assert submitted.resolved and submitted.hidden_total == 12
        if episodes_per_container > 1:
            await wait_for(lambda: provider.status()["reused"] == 1)
        later = [(await service.start_task(TASK, owner="tenant-b")).episode_id for _ in range(2)]
        scans = [await scan(service, episode, "tenant-b") for episode in later]
    hosts = [s["host"] for s in scans]
    if episodes_per_container > 1:
        assert host_a in hosts, f"no later episode landed in A's container {host_a}: {hosts}"
    else:
        assert host_a not in hosts
    for result in scans:
        assert result["scanned"] > 10_000_000, result  # the scan did read the process's memory
        leaked = [needles[d] for d in result["found"] if d in needles]
        assert leaked == [], f"episode B ({result['host']}) read {leaked}"
        assert not any("hidden" in path for path in result["cached"]), result["cached"]


async def test_a_dropped_submit_still_ends_the_episode(tenant_catalog):
    """Issue 15, attack 3a: a client that drops its submit after a moment used to leave the episode
    open and uncharged, with the hidden tests run; a submit that has started is final."""
    require_docker()
    task = tenant_catalog.get(TASK)
    provider = DockerProvider(DockerSettings(pool_size=0))
    service = DebugService(tenant_catalog, provider, ServiceSettings())
    async with running(service):
        episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        slow = "import time as _time\n_time.sleep(3)\n" + task.solution_files[MODULE]
        lines = len(task.source_files[MODULE].splitlines())
        await service.replace_lines(episode, 1, lines, slow, MODULE, owner=LOCAL_OWNER)
        started = time.monotonic()
        with anyio.move_on_after(0.5) as dropped:
            await service.submit(episode, owner=LOCAL_OWNER)
        assert time.monotonic() - started > 2.5  # the scoring ran to its end, caller or not
        ep = service.episode(episode, owner=LOCAL_OWNER)
        assert ep.done and ep.end_reason == "submitted" and ep.resolved
        assert [h.tool for h in ep.history][-1] == "submit"
        assert dropped.cancelled_caught or dropped.cancel_called


HUGE_FRAMES = '''
_HUGE = "f" * 4_000_000
_namespace = {}
exec(f"def {_HUGE}(items, target):\\n    raise ValueError(\x27no\x27)\\n", _namespace)
binary_search = _namespace[_HUGE]
'''


async def test_code_that_makes_its_results_huge_gets_its_own_outcome_not_a_sandbox_failure(tenant_catalog):
    """Issue 15, attack 3b: a 4 MB function name in every failing frame at submit, and a 40 MB
    exception name in run_python, used to make the result exceed the event limit: a "sandbox
    failure, not counted, retry", i.e. a free bit about the hidden tests on every try. Now the
    result is cut, the step is charged and the submit ends the episode with its score."""
    require_docker()
    task = tenant_catalog.get(TASK)
    provider = DockerProvider(DockerSettings(pool_size=0))
    service = DebugService(tenant_catalog, provider, ServiceSettings())
    async with running(service):
        episode = (await service.start_task(TASK, owner=LOCAL_OWNER)).episode_id
        snippet = await service.run_python(episode, "raise type('E' * 40_000_000, (Exception,), {})('boom')", 30, owner=LOCAL_OWNER)
        assert snippet.step == 1 and snippet.exception is not None and "boom" in snippet.exception
        lines = len(task.source_files[MODULE].splitlines())
        await service.replace_lines(episode, 1, lines, HUGE_FRAMES, MODULE, owner=LOCAL_OWNER)
        submitted = await service.submit(episode, owner=LOCAL_OWNER)
        assert submitted.done and submitted.step == 3 and submitted.score == 0.0
        assert 0 < submitted.hidden_total and submitted.hidden_passed < submitted.hidden_total
        assert service.episode(episode, owner=LOCAL_OWNER).end_reason == "submitted"
