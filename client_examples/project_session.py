"""Debug a project of your own: one project episode over stdio, scripted, no model involved.

It writes the sample project (client_examples/sample_project.py: a package with a bug and a
dependency) into a fresh directory, starts `debugbox serve --project-root` on that directory,
opens the project, runs its tests, finds the failing test's line with search_code, fixes it with
replace_text, runs the tests again, submits, and prints the patch the user would `git apply`.
Exit status 0 iff every test passes at submit and the patch is not empty.

    python client_examples/project_session.py [--backend auto|docker|local] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_project import BUGGY, FIXED, write_sample_project  # noqa: E402
from stdio_session import call  # noqa: E402


async def walk(client: Client, project: Path) -> bool:
    opened = await call(client, "open_project", path=str(project))
    episode = opened["episode_id"]
    print(f"(sandbox: {opened['sandbox']['backend']}, isolation: {opened['sandbox']['isolation']})")

    tests = await call(client, "run_tests", episode_id=episode)
    failing = [f["test"] for f in tests["failures"]]
    print(f"(failing: {', '.join(failing) or 'none'})")
    # The failure points at the code; search for the comparison it goes through.
    found = await call(client, "search_code", episode_id=episode, pattern=BUGGY.strip(), glob="shopcart/*.py")
    if found["total_matches"] != 1:
        return False
    await call(client, "replace_text", episode_id=episode, path="shopcart/pricing.py", old_text=BUGGY, new_text=FIXED)
    await call(client, "run_tests", episode_id=episode)
    final = (await call(client, "submit", episode_id=episode))["project"]
    print(f"\ntests {final['tests_passed']}/{final['tests_total']} pass; apply the patch in {final['root']} with `git apply`:\n")
    print(final["patch"])
    return final["tests_passed"] == final["tests_total"] > 0 and bool(final["patch"])


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["auto", "docker", "local"], default="auto")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the sample project (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = (args.dir or Path(scratch)).resolve()
        project = write_sample_project(root / "shop")
        server = StdioServerParameters(command=sys.executable, args=["-m", "cli", "serve", "--backend", args.backend, "--project-root", str(root)])
        async with Client(server) as client:
            return 0 if await walk(client, project) else 1


if __name__ == "__main__":
    sys.exit(anyio.run(main))
