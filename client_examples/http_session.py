"""The same episode as stdio_session.py, over Streamable HTTP against a running server.

    debugbox serve --transport http --port 8000          # in one terminal
    python client_examples/http_session.py [--url http://127.0.0.1:8000/mcp]

The backend is the server's choice (`debugbox serve --backend ...`), so there is no --backend here.
Exit status 0 iff the submission resolved the task.
"""

from __future__ import annotations

import argparse
import sys

import anyio
from mcp import Client

from stdio_session import walk  # the episode itself does not depend on the transport


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/mcp")
    args = parser.parse_args()
    async with Client(args.url) as client:
        return 0 if await walk(client) else 1


if __name__ == "__main__":
    sys.exit(anyio.run(main))
