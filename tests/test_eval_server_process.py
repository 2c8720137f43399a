"""The evaluator's spawned server is restarted when it stops listening, also in the moment after a
kill when the process has closed its sockets but cannot be reaped yet (CI once met that race: the
next episode found the old URL refusing connections)."""

from __future__ import annotations

import socket
import sys
import time

import anyio
import pytest

from harness.eval import server_process
from harness.eval.server_process import SpawnedServer

# Listens on the port it is given, lets the readiness probe in, then stops listening and lingers
# (`linger` seconds, or until killed) before it exits: a server on its way out, or a hung one.
STOPS_LISTENING = """
import socket, sys, time
port, linger = int(sys.argv[1]), float(sys.argv[2])
listener = socket.create_server(("127.0.0.1", port))
listener.accept()[0].close()
listener.close()
time.sleep(linger)
"""


class StopsListening(SpawnedServer):
    linger_s = 1.0

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-c", STOPS_LISTENING, str(port), str(self.linger_s)]


def refuses(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


async def wait_until_refused(url: str) -> None:
    deadline = time.monotonic() + 10
    while not refuses(url):
        assert time.monotonic() < deadline, "the stand-in server never stopped listening"
        await anyio.sleep(0.02)


@pytest.mark.parametrize("linger_s", [1.0, 3600.0], ids=["dying", "hung"])
def test_a_server_that_stops_listening_is_replaced_before_the_next_episode(tmp_path, monkeypatch, linger_s):
    monkeypatch.setattr(server_process, "DYING_GRACE_S", 2.0)

    async def scenario() -> None:
        server = StopsListening(tmp_path / "server.log")
        server.linger_s = linger_s
        async with server:
            first_url, first = server.url, server.process
            await wait_until_refused(first_url)
            assert first.poll() is None  # still alive: poll() alone would hand out the dead URL
            url = await server.ensure()
            assert first.poll() is not None, "the old process was neither awaited nor killed"
            assert server.restarts == 1 and server.process is not first and url != first_url

    anyio.run(scenario)


KEEPS_LISTENING = """
import socket, sys
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
while True:
    listener.accept()[0].close()
"""


class KeepsListening(SpawnedServer):
    def command(self, port: int) -> list[str]:
        return [sys.executable, "-c", KEEPS_LISTENING, str(port)]


def test_a_listening_server_is_left_alone(tmp_path):
    async def scenario() -> None:
        async with KeepsListening(tmp_path / "server.log") as server:
            url, process = server.url, server.process
            for _ in range(3):
                assert await server.ensure() == url
            assert server.process is process and process.poll() is None and server.restarts == 0

    anyio.run(scenario)
