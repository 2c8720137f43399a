"""`debugbox image build --tasks PACK`: every task environment of the packs, built ahead of time.

Tasks that ask for the same packages share one environment, built once. A task whose environment
cannot be built is named with the reason (the package pip could not find or build) and the others
are still built; the command exits 1 if any failed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sandbox.environment_request import EnvironmentBuildError, EnvironmentRequest
from sandbox.images.build import ImageBuildError
from tasks.loader import load_catalog

MAX_STATUS_CHARS = 70


def environments_of(packs: list[str], bundled: bool) -> tuple[dict[str, tuple[EnvironmentRequest, list[str]]], list[str]]:
    """Each distinct request with the ids of the tasks that ask for it; and the packs' load errors."""
    catalog = load_catalog(packs, include_bundled=bundled, environ={})
    wanted: dict[str, tuple[EnvironmentRequest, list[str]]] = {}
    for task in catalog.tasks.values():
        if task.environment is not None:
            wanted.setdefault(task.environment.key, (task.environment, []))[1].append(task.id)
    return wanted, [str(error) for error in catalog.errors]


def _preparer(backend: str, sandbox_tag: str, wheel_cache: Path | None) -> Callable[..., tuple[object, bool]]:
    if backend == "local":
        from sandbox.local_env import prepare_venv

        return lambda request, progress: prepare_venv(request, wheel_cache, progress=progress)
    import docker

    from sandbox.images.environment_image import prepare_environment_image
    from sandbox.images.sandbox_image import ensure_sandbox_image

    client = docker.from_env()
    ensure_sandbox_image(client, tag=sandbox_tag)
    return lambda request, progress: prepare_environment_image(client, sandbox_tag, request, wheel_cache, progress)


def build_task_environments(packs: list[str], *, bundled: bool, backend: str, sandbox_tag: str, wheel_cache: str | None) -> int:
    console = Console(stderr=True)
    wanted, load_errors = environments_of(packs, bundled)
    for error in load_errors:
        console.print(f"[yellow]task rejected:[/] {error}", highlight=False)
    if not wanted:
        console.print("no task of these packs has an [environment]; nothing to build", markup=False)
        return 1 if load_errors else 0
    prepare = _preparer(backend, sandbox_tag, Path(wheel_cache) if wheel_cache else None)
    failures = 0
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        overall = bar.add_task("environments", total=len(wanted))
        for request, task_ids in wanted.values():
            names = ", ".join(sorted(task_ids))

            def status(line: str) -> None:
                bar.update(overall, description=f"{request.describe()[:30]}: {line.strip()[:MAX_STATUS_CHARS]}")

            try:
                ready, built = prepare(request, status)
            except (EnvironmentBuildError, ImageBuildError) as exc:
                failures += 1
                bar.console.print(f"[red]FAILED[/] {names}: {exc}", highlight=False)
            else:
                bar.console.print(f"[green]{'built' if built else 'ready'}[/] {ready}  ({request.describe()}; tasks: {names})", highlight=False)
            bar.advance(overall)
        bar.update(overall, description="environments")
    summary = f"{len(wanted) - failures} of {len(wanted)} environment(s) ready" + (f"; {failures} failed (named above)" if failures else "")
    print(summary, file=sys.stderr)
    return 1 if failures or load_errors else 0


def openenv_image_with_packs(packs: list[str], *, tag: str, base_image: str, wheel_cache: str | None) -> int:
    """`debugbox image build-openenv --tasks PACK`: the OpenEnv image, then the packs and a venv per
    environment on top (sandbox/images/openenv_packs.py). A task the loader rejects is named and left
    out of nothing (the server skips it as it would anywhere); the exit status is then 1."""
    import docker

    from sandbox.images.build import stderr_progress
    from sandbox.images.environment_image import image_target
    from sandbox.images.openenv_packs import build_openenv_packs_image
    from sandbox.images.server_image import build_openenv_image
    from sandbox.wheelhouse import default_wheel_cache, fetch_wheels
    from tasks.loader import resolve_pack

    dirs = [resolve_pack(spec).resolve() for spec in packs]
    missing = [str(d) for d in dirs if not d.is_dir()]
    if missing:
        print(f"debugbox image build-openenv: no task pack at {', '.join(missing)}", file=sys.stderr)
        return 2
    wanted, load_errors = environments_of([str(d) for d in dirs], bundled=False)
    for error in load_errors:
        print(f"task rejected: {error}", file=sys.stderr)
    client = docker.from_env()
    cache = Path(wheel_cache) if wheel_cache else default_wheel_cache()
    plain = build_openenv_image(tag=tag, base_image=base_image, client=client)
    target = image_target(client, plain.id, cache)
    ready, failures = [], 0
    for request, task_ids in wanted.values():
        try:
            fetch_wheels(request, target, cache, stderr_progress)
        except EnvironmentBuildError as exc:  # named; its tasks stay in the pack and say so when started
            failures += 1
            print(f"FAILED {', '.join(sorted(task_ids))}: {exc}", file=sys.stderr)
        else:
            ready.append(request)
    build_openenv_packs_image(client, base_tag=plain.id, tag=tag, packs=dirs, requests=ready, wheel_cache=cache, progress=stderr_progress)
    print(f"built {tag}: the bundled pack and {', '.join(d.name for d in dirs)}, with {len(ready)} of {len(wanted)} environment(s)", file=sys.stderr)
    return 1 if load_errors or failures else 0
