"""Task environment benchmark (issue 18: "start_task with a prebuilt environment image: pool hit
p50 <= 30 ms, as for plain tasks").

    python -m bench.environments [--repeat N] [--out BENCHMARKS_ENVIRONMENTS.md]

One in-process server (Docker backend, warm pool of 2 per image) serves two twins: `toolz_totals`
from tests/fixtures/envpack, whose `[environment]` needs `toolz` (its image is prepared before
the clock starts), and the same task without `[environment]`, on the plain sandbox image. Sample
by sample, interleaved, each start_task goes through a real MCP client (in-process) once both
pools are full again, and its episode is submitted. Only pool hits count (a miss is reported).
The figures are reported against the issue's target and never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import anyio
from mcp import Client

from bench.measure import Measure, fmt, measure_and_write, say, table, written_by
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.docker.provider import DockerProvider, DockerSettings
from tasks.loader import load_catalog

REPO = Path(__file__).resolve().parent.parent
ENV_TASK = "toolz_totals"
PLAIN_TASK = "toolz_totals_plain"
TARGET_MS = 30.0


def write_pack(root: Path) -> Path:
    """The fixture task and its twin without `[environment]` (start_task never runs its tests)."""
    pack = root / "pack"
    shutil.copytree(REPO / "tests" / "fixtures" / "envpack" / ENV_TASK, pack / ENV_TASK)
    twin = pack / PLAIN_TASK
    shutil.copytree(pack / ENV_TASK, twin)
    toml = (twin / "task.toml").read_text().replace(f'id = "{ENV_TASK}"', f'id = "{PLAIN_TASK}"')
    (twin / "task.toml").write_text(toml.split("[environment]")[0])
    return pack


async def pools_full(service: DebugService, images: list[str], timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pools = service.provider.status()["pools"]
        if all(pools.get(image, 0) >= 2 for image in images):
            await anyio.sleep(0.2)  # let the refill's engine calls settle
            return True
        await anyio.sleep(0.05)
    return False


async def measure(pack: Path, repeat: int) -> tuple[dict[str, Measure], dict]:
    catalog = load_catalog([str(pack)], include_bundled=False, environ={})
    provider = DockerProvider(DockerSettings(pool_size=2))
    service = DebugService(catalog, provider, ServiceSettings())
    m = {
        PLAIN_TASK: Measure("start_task, plain image, pool hit", "MCP round trip (in-process client), the sandbox image's warm pool"),
        ENV_TASK: Measure("start_task, environment image, pool hit", "the same task with [environment] toolz: its image's warm pool"),
    }
    misses = {PLAIN_TASK: 0, ENV_TASK: 0}
    async with running(service), Client(build_server(service)) as client:
        images = []
        for task_id in (PLAIN_TASK, ENV_TASK):  # prepare the environment, measure both baselines
            started = await client.call_tool("start_task", {"task_id": task_id})
            episode_id = started.structured_content["episode_id"]
            images.append(service.registry.handles[episode_id].sandbox.container.image)
            await client.call_tool("submit", {"episode_id": episode_id})
            await service.baseline(catalog.get(task_id))
        env_image = images[1]
        for _ in range(repeat):
            for task_id in (PLAIN_TASK, ENV_TASK):
                if not await pools_full(service, images):
                    say("the pools did not fill in time")
                before = provider.stats.misses
                t0 = time.perf_counter()
                result = await client.call_tool("start_task", {"task_id": task_id})
                elapsed = (time.perf_counter() - t0) * 1000
                if result.is_error:
                    m[task_id].errors += 1
                    continue
                if provider.stats.misses == before:
                    m[task_id].samples.append(elapsed)
                else:
                    misses[task_id] += 1
                await client.call_tool("submit", {"episode_id": result.structured_content["episode_id"]})
        facts = {"env_image": env_image, "misses": misses, "environments": provider.environments.status()}
    return m, facts


def report(m: dict[str, Measure], facts: dict, repeat: int, took_s: float) -> str:
    env, plain = m[ENV_TASK].p50, m[PLAIN_TASK].p50
    met = env is not None and env <= TARGET_MS
    ratio = f"{env / plain:.2f}" if env and plain else "-"
    return "\n".join(
        [
            "# debugbox benchmarks: task environments",
            "",
            written_by("environments.py", took_s, repeat) + f" Environment image: `{facts['env_image']}`.",
            "",
            "| target | measured | limit | verdict |",
            "| --- | ---: | ---: | --- |",
            f"| `start_task` with a prebuilt environment image, pool hit, p50 | {fmt(env)} ms | <= {TARGET_MS:.0f} ms | "
            f"{'**met**' if met else '**not met**'} |",
            "",
            f"Ratio in the same run (p50): environment image / plain image = {ratio} "
            f"({fmt(env)} ms / {fmt(plain)} ms). Pool misses left out: plain {facts['misses'][PLAIN_TASK]}, "
            f"environment {facts['misses'][ENV_TASK]}. Environments: {facts['environments']}.",
            "",
            table(list(m.values())),
            "",
            "Reproduce: `python -m bench.environments --repeat 40` from the repository root (Docker needed; the "
            "environment's wheels come through the host's pip configuration, once).",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--out", default="BENCHMARKS_ENVIRONMENTS.md")
    args = parser.parse_args(argv)
    return measure_and_write(args.out, args.repeat, scratch_prefix="debugbox-env-bench-", write_pack=write_pack, measure=measure, report=report)


if __name__ == "__main__":
    sys.exit(main())
