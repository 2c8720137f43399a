"""The local backend: the runner as a subprocess in a temporary directory, with rlimits.

This is process isolation only, not a security boundary: the code runs as the server's user
and can see the host. `--backend auto` picks it only when no Docker engine answers. With
`confine` (the OpenEnv image, where the container is the boundary) the runner starts through
confine.py: it and everything it starts can open no socket but a Unix one, write only in the
episode's directory, and read neither the task packs (`hide`) nor another episode's files.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import anyio
from anyio.abc import Process

from sandbox.base import DebugAnswer, DebugStartRequest, EventCallback, Limits, RunRequest, RunResult, SandboxError
from sandbox.channel import RunnerChannel
from sandbox.environment_request import EnvironmentRequest
from sandbox.environments import EnvironmentResolver
from sandbox.local_env import default_venv_cache, prepare_venv, restore_modes, restore_owner_access
from sandbox.wheelhouse import default_wheel_cache
from sandbox.procstat import children_by_parent

log = logging.getLogger(__name__)

RUNNER_PATH = Path(__file__).with_name("runner.py")
CONFINE_PATH = Path(__file__).with_name("confine.py")


# What a confined runner keeps of the server's environment: enough to run Python and its tools.
CONFINED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")


def runner_environment(confine: bool) -> dict[str, str]:
    """The runner's environment: never the server's secrets (bearer tokens); confined, only the
    basics, so that nothing the operator passed to the server reaches the episodes' code."""
    if confine:
        return {k: v for k, v in os.environ.items() if k in CONFINED_ENV}
    return {k: v for k, v in os.environ.items() if not k.startswith("DEBUGBOX_AUTH_TOKEN")}


def _processes_of_current_user() -> int:
    uid = os.getuid()
    count = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                count += os.stat(f"/proc/{name}").st_uid == uid
            except OSError:
                pass
    return count


def kill_process_tree(root: int) -> None:
    """SIGKILL every process below root, then root itself.

    root is a runner, the subreaper of its runs: stopped first, it can neither fork a new child
    nor reap the ones it has, so every process of a run stays its descendant until it is dead."""
    try:
        os.kill(root, signal.SIGSTOP)
    except ProcessLookupError:
        return
    for _ in range(200):
        children, alive, frontier = children_by_parent(), [], [root]
        while frontier:
            below = [c for pid in frontier for c in children.get(pid, [])]
            alive += [pid for pid, zombie in below if not zombie]
            frontier = [pid for pid, _ in below]
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.005)
    try:
        os.kill(root, signal.SIGKILL)
    except ProcessLookupError:
        pass


def remove_tree(root: Path) -> None:
    """Remove an episode's directory whatever its runs did to it: they share our uid, so they may
    have taken the permissions off it or off directories nested in it (chmod 000), and rmtree
    alone then leaves them on disk for good, one more per episode. Permissions come back top-down
    first (symlinks are never followed)."""
    try:
        os.chmod(root, 0o700, follow_symlinks=False)
    except OSError:
        return  # gone already, or not ours
    for directory, subdirectories, _files in os.walk(root):
        for name in subdirectories:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                try:
                    os.chmod(path, 0o700)
                except OSError:
                    pass
    shutil.rmtree(root, ignore_errors=True)


class LocalSandbox:
    backend = "local"
    isolation = "process"

    def __init__(self, process: Process, channel: RunnerChannel, root: Path, nproc: int):
        self._process = process
        self._channel = channel
        self._root = root
        self._nproc = nproc

    @classmethod
    async def start(cls, episode_id: str, nproc: int, python: Path | None = None, confine: bool = False, hide: tuple[Path, ...] = ()) -> LocalSandbox:
        """python: an environment's venv interpreter; None: the server's own."""
        root = Path(tempfile.mkdtemp(prefix=f"debugbox-{episode_id[:12]}-"))
        # Relative to the runner's cwd (root): every process's command line is readable in /proc, and
        # with the absolute path there another episode's run could chmod this directory (one uid),
        # so that our next run could not write its workspace (found by the red team).
        runner = [str(python or sys.executable), "-u", "-I", str(RUNNER_PATH), "--workdir", "workspace"]
        # confine.py confines itself and execs the runner: the same process, so the same pid.
        wrapper = []
        if confine:
            # An environment's venv (venv/bin/python) is read, never written: it serves every later
            # episode of that environment, which must not import what this one might plant there.
            venv = [] if python is None else ["--read", str(Path(python).parent.parent)]
            # "--write .": the root, unnamed in the command line (as above) while confine.py runs.
            wrapper = [sys.executable, "-I", str(CONFINE_PATH), "--write", ".", *venv, *[a for h in hide for a in ("--hide", str(h))], "--"]
        process = await anyio.open_process(
            [*wrapper, *runner],
            stderr=None,  # the runner's own complaints belong in the server log (stderr)
            cwd=str(root),
            env=runner_environment(confine),
        )
        assert process.stdin is not None and process.stdout is not None
        channel = RunnerChannel(process.stdin, process.stdout, name=f"local runner of {episode_id}")
        sandbox = cls(process, channel, root, nproc)
        try:
            await channel.ping(timeout_s=30)
        except SandboxError:
            await sandbox.close()
            raise
        return sandbox

    def _limits(self, limits: Limits) -> Limits:
        if os.getuid() != 0:
            # RLIMIT_NPROC counts every process of the user, so the cap sits above what already runs.
            limits = limits.model_copy(update={"nproc": _processes_of_current_user() + self._nproc})
        return limits

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult:
        return await self._channel.run(request.model_copy(update={"limits": self._limits(request.limits)}), on_event)

    async def debug_start(self, request: DebugStartRequest) -> DebugAnswer:
        return await self._channel.debug_start(request.model_copy(update={"limits": self._limits(request.limits)}))

    async def debug_command(self, command: str, timeout_s: float | None = None) -> DebugAnswer:
        return await self._channel.debug_command(command, timeout_s)

    async def debug_stop(self) -> DebugAnswer:
        return await self._channel.debug_stop()

    async def close(self, *, reuse: bool = False) -> None:
        # Never reused: a process sandbox is not a security boundary to begin with.
        with anyio.CancelScope(shield=True):
            if self._process.returncode is None:
                # Killing the runner alone would orphan a run in progress (its children are in
                # sessions of their own), so the whole tree goes.
                await anyio.to_thread.run_sync(kill_process_tree, self._process.pid)
                with anyio.move_on_after(5):
                    await self._process.wait()
            await self._process.aclose()
            await anyio.to_thread.run_sync(remove_tree, self._root)


class LocalProvider:
    backend = "local"

    def __init__(
        self,
        nproc: int = 64,
        concurrent_starts: int | None = None,
        wheel_cache: Path | None = None,
        venv_cache: Path | None = None,
        confine: bool = False,
        hide: tuple[Path, ...] = (),
    ):
        self._nproc = nproc
        self._confine = confine
        self._caches = (wheel_cache or default_wheel_cache(), venv_cache or default_venv_cache())
        self._hide = tuple(hide)
        self.environments: EnvironmentResolver[Path] = EnvironmentResolver(
            lambda request: prepare_venv(request, wheel_cache, venv_cache), "environment venv"
        )
        self._started = 0
        # A burst of episodes (64 OpenEnv clients connecting at once) would otherwise start as many
        # interpreters at once, and on a small loaded machine none answers its ping within 30 s.
        self._starts = anyio.Semaphore(concurrent_starts or max(2, 2 * (os.cpu_count() or 1)))

    def _restore_caches(self) -> None:
        for cache in self._caches:
            restore_owner_access(cache)

    async def start(self) -> None:
        return None

    async def run_background(self) -> None:
        return None

    async def acquire(self, episode_id: str, environment: EnvironmentRequest | None = None) -> LocalSandbox:
        if environment is not None and self._confine:
            # What an earlier episode's chmod took away (Landlock has no right for it), given back
            # before this one uses a venv or the caches a new one is made from.
            await anyio.to_thread.run_sync(self._restore_caches)
        python = None if environment is None else await self.environments.get(environment)
        if python is not None and self._confine:
            await anyio.to_thread.run_sync(restore_modes, Path(python).parent.parent)
        self._started += 1
        async with self._starts:
            return await LocalSandbox.start(episode_id, self._nproc, python, self._confine, self._hide)

    def status(self) -> dict:
        isolation = "process, confined (no network, own files only)" if self._confine else "process"
        return {"backend": self.backend, "isolation": isolation, "sandboxes_started": self._started, **self.environments.status()}

    async def aclose(self) -> None:
        return None


__all__ = ["LocalProvider", "LocalSandbox", "Limits"]
