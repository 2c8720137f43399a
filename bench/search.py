"""search_code benchmark (issue 18: "search_code over 500 files: p50 <= 50 ms").

    python -m bench.search [--repeat N] [--files 500] [--out BENCHMARKS_SEARCH.md]

A generated task of N Python modules (about 120 lines each) is served in-process (local backend; a
search touches no sandbox) and searched through a real MCP client, three patterns: a rare
identifier, a common word (every matching line counted, 50 shown) and a regex. Interleaved sample by
sample with the same search on the same files written to a directory:
  * the engine alone (environment/navigation.py, no MCP, no episode);
  * the baseline: `grep -rn` (-F for literals, -E for the regex) in a subprocess.
It reports figures against the issue's target and never asserts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import Client

from bench.measure import Measure, fmt, measure_and_write, sample, table, written_by
from environment import navigation as nav
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.local import LocalProvider
from tasks.loader import load_catalog

TASK = "search_bench"
PATTERNS = [  # (label, pattern, regex)
    ("rare identifier", "parse_header_17(", False),
    ("common word", "return", False),
    ("regex", r"def (parse|render)_\w+_1\d\(", True),
]


def module(i: int) -> str:
    lines = [f'"""Module {i}: generated for the search benchmark."""', "", "from __future__ import annotations", ""]
    for j in range(12):
        name = ("parse", "render", "check", "merge")[j % 4] + f"_{('header', 'body', 'footer')[j % 3]}_{(i + j) % 50}"
        lines += [
            f"def {name}(value, *, strict=False):",
            f'    """Handle value the {name} way (case {i}.{j})."""',
            "    if strict and value is None:",
            f"        raise ValueError('{name}: no value')",
            f"    result = [item * {j} for item in value if item]",
            "    return result",
            "",
        ]
    if i % 170 == 17:
        lines += ["def caller():", "    return parse_header_17(None)", ""]
    return "\n".join(lines + [""] * (120 - len(lines) - 1)) + "\n"


def write_pack(root: Path, files: int) -> Path:
    task = root / "pack" / TASK
    for rel, text in {
        "task.toml": f'id = "{TASK}"\ntitle = "Search benchmark"\ndifficulty = "easy"\ntags = ["bench"]\nkind = "bugfix"\n'
        'main_file = "main.py"\neditable = ["main.py"]\nmax_steps = 30\ntest_timeout_s = 5\nrun_timeout_s = 30\n',
        "description.md": "A generated project to search.\n",
        "src/main.py": "def main():\n    return 1\n",
        "tests/test_main.py": "from main import main\n\n\ndef test_main():\n    assert main() == 1\n",
        "hidden_tests/test_main_hidden.py": "from main import main\n\n\ndef test_main_hidden():\n    assert main() == 2\n",
        "solution/main.py": "def main():\n    return 2\n",
    }.items():
        (task / rel).parent.mkdir(parents=True, exist_ok=True)
        (task / rel).write_text(text, encoding="utf-8")
    for i in range(files - 2):
        path = task / "src" / "proj" / f"pkg{i % 20}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(module(i), encoding="utf-8")
    return task


def grep(root: Path, pattern: str, regex: bool) -> float:
    started = time.perf_counter()
    subprocess.run(["grep", "-rn", "-E" if regex else "-F", "--", pattern, "."], cwd=root, stdout=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - started) * 1000


async def measure(task_dir: Path, repeat: int) -> tuple[dict, dict]:
    catalog = load_catalog([str(task_dir.parent)], include_bundled=False, environ={})
    task = catalog.get(TASK)
    readable = {**task.source_files, **task.test_files}
    files, size = len(readable), sum(map(len, readable.values()))
    m: dict[str, Measure] = {}
    found: dict[str, str] = {}
    service = DebugService(catalog, LocalProvider(), ServiceSettings(max_steps_limit=1000))
    async with running(service), Client(build_server(service)) as client:
        episode = (await client.call_tool("start_task", {"task_id": TASK, "max_steps": 1000})).structured_content["episode_id"]
        for label, pattern, regex in PATTERNS:
            m[f"mcp {label}"] = Measure(f"search_code, {label}", f"`{pattern.replace('|', chr(92) + '|')}`, MCP round trip (in-process client)")
            m[f"engine {label}"] = Measure(f"engine only, {label}", "environment/navigation.py search, no MCP")
            m[f"grep {label}"] = Measure(f"grep -rn, {label}", f"grep -rn {'-E' if regex else '-F'} in a subprocess")
        for _ in range(repeat):
            for label, pattern, regex in PATTERNS:
                result = await sample(client, m[f"mcp {label}"], "search_code", episode_id=episode, pattern=pattern, regex=regex)
                if result is not None:
                    s = result
                    found[label] = f"{s['total_matches']} lines in {s['files_matched']} files, {len(s['matches'])} shown"
                started = time.perf_counter()
                nav.search(readable, sorted(readable), nav.finder(pattern, regex), pattern, regex, None, nav.DEFAULT_MAX_RESULTS)
                m[f"engine {label}"].samples.append((time.perf_counter() - started) * 1000)
                m[f"grep {label}"].samples.append(await anyio.to_thread.run_sync(grep, task_dir, pattern, regex))
        await service.baseline(task)  # start_task began measuring it: let it finish before the server closes
    return m, {"files": files, "chars": size, **found}


def report(m: dict[str, Measure], facts: dict, repeat: int, took_s: float) -> str:
    worst = max(m[f"mcp {label}"].p50 or 0 for label, _, _ in PATTERNS)
    rows = [
        f"| `search_code` over {facts['files']} files, p50, {label} | {fmt(m[f'mcp {label}'].p50)} ms | <= 50 ms | "
        f"{'**met**' if (m[f'mcp {label}'].p50 or 1e9) <= 50 else '**not met**'} |"
        for label, _, _ in PATTERNS
    ]
    ratios = [
        f"| {label} | {fmt(m[f'mcp {label}'].p50)} ms | {fmt(m[f'engine {label}'].p50)} ms | {fmt(m[f'grep {label}'].p50)} ms | "
        f"{(m[f'mcp {label}'].p50 or 0) / (m[f'grep {label}'].p50 or 1):.2f} | {facts.get(label, '-')} |"
        for label, _, _ in PATTERNS
    ]
    return "\n".join(
        [
            "# debugbox benchmarks: search_code",
            "",
            written_by("search.py", took_s, repeat),
            f"The project: {facts['files']} readable files, {facts['chars'] / 1e6:.1f} M characters. Worst p50: {fmt(worst)} ms.",
            "",
            "| target | measured | limit | verdict |",
            "| --- | ---: | ---: | --- |",
            *rows,
            "",
            "Ratios in the same run (p50): the whole tool call against `grep -rn` on the same files in a directory.",
            "",
            "| pattern | search_code | engine only | grep -rn | search_code / grep | found |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
            *ratios,
            "",
            table(list(m.values())),
            "",
            "Reproduce: `python -m bench.search --repeat 30` from the repository root (no Docker needed).",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--out", default="BENCHMARKS_SEARCH.md")
    args = parser.parse_args(argv)
    return measure_and_write(
        args.out, args.repeat, scratch_prefix="debugbox-search-bench-", write_pack=lambda root: write_pack(root, args.files),
        measure=measure, report=report, written=f"{args.files} files written",
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
