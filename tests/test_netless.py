"""sandbox/netless.py: the local backend's runs with no network (the OpenEnv image's runs), tried
for real from a run, from a process it starts, and against a listener that does answer."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap

import pytest

from sandbox.base import RunRequest
from sandbox.local import NETLESS_PATH, LocalProvider
from sandbox.netless import check

SOCKETS = textwrap.dedent(
    """
    import json, socket, subprocess, sys
    def attempt(family, kind, address=None):
        try:
            s = socket.socket(family, kind)
            if address:
                s.connect(address)
            return "open"
        except OSError as exc:
            return exc.errno
    child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"], capture_output=True, text=True)
    print(json.dumps({
        "listener": attempt(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", PORT)),
        "udp": attempt(socket.AF_INET, socket.SOCK_DGRAM), "ipv6": attempt(socket.AF_INET6, socket.SOCK_STREAM),
        "netlink": attempt(socket.AF_NETLINK, socket.SOCK_RAW), "unix": attempt(socket.AF_UNIX, socket.SOCK_STREAM),
        "pair": len(socket.socketpair()), "child": "PermissionError" in child.stderr,
        "status": [l.split()[1] for l in open("/proc/self/status") if l.startswith(("NoNewPrivs", "Seccomp:"))],
    }))
    """
)


@pytest.fixture
def listener():
    """A TCP listener on loopback that answers any process allowed to connect."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


async def probe(provider: LocalProvider, port: int) -> dict:
    sandbox = await provider.acquire("ep_netless_test")
    try:
        code = SOCKETS.replace("PORT", str(port))
        result = await sandbox.run(RunRequest(kind="python", files={}, code=code, timeout_s=30))
        assert result.status == "ok", result
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        await sandbox.close()


@pytest.mark.anyio
async def test_a_netless_run_opens_no_socket_but_unix_ones_nor_do_its_children(listener):
    out = await probe(LocalProvider(no_network=True), listener)
    assert [out[k] for k in ("listener", "udp", "ipv6", "netlink")] == [13] * 4  # EACCES, at socket() itself
    assert out["unix"] == "open" and out["pair"] == 2 and out["child"] is True
    assert out["status"] == ["1", "2"]  # no_new_privs, seccomp filter mode


@pytest.mark.anyio
async def test_the_control_a_default_local_run_reaches_the_listener(listener):
    out = await probe(LocalProvider(), listener)
    assert out["listener"] == "open" and out["child"] is False


@pytest.mark.anyio
async def test_tests_and_the_debugger_work_without_network(catalog):
    from environment.runtime import running
    from environment.service import DebugService, ServiceSettings

    service = DebugService(catalog, LocalProvider(no_network=True), ServiceSettings())
    async with running(service):
        started = await service.start_task("binary_search_off_by_one", owner="me")
        ran = await service.run_tests(started.episode_id, None, owner="me")
        assert ran.total == 5 and ran.failed > 0
        debug = await service.debug_start(started.episode_id, "tests/test_binary_search.py", None, owner="me")
        assert "binary_search" in debug.text()


def test_check_reports_that_the_filter_holds_here():
    assert check() is None


def test_the_wrapper_refuses_to_run_a_command_it_cannot_filter():
    """A foreign architecture has no filter: the command must not run at all (exit 3, no output)."""
    code = (
        "import platform, runpy, sys; platform.machine = lambda: 'sparc'; "
        f"sys.argv = [{str(NETLESS_PATH)!r}, sys.executable, '-c', 'print(\"ran\")']; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert done.returncode == 3 and "ran" not in done.stdout and "sparc" in done.stderr
