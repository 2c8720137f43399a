"""A scripted OpenAI-compatible endpoint for tests: POST /v1/chat/completions answers each request
with the next reply of a script (tool calls, plain text, or an HTTP error status), on 127.0.0.1 on a
free port, in a thread of the test process. Every request is recorded for assertions.

In tool-call arguments, the text `{episode_id}` becomes the latest episode id the conversation shows
(start_task's text says `Episode ep_... started`), so a script can name the episode like a model would.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

EPISODE_ID = re.compile(r"\bep_[A-Za-z0-9_-]+")


@dataclass
class Reply:
    tool_calls: list[tuple[str, Any]] = field(default_factory=list)  # (name, dict or raw JSON text)
    content: str | None = None
    status: int = 200
    before: Callable[[], None] | None = None  # run when this reply is served (e.g. kill a server)


def call(name: str, arguments: Any = None, **kwargs: Any) -> Reply:
    """A reply with one tool call; `arguments` may be a dict or raw (possibly invalid) JSON text."""
    return Reply(tool_calls=[(name, arguments if arguments is not None else kwargs)])


def calls(*pairs: tuple[str, Any]) -> Reply:
    return Reply(tool_calls=list(pairs))


def text(content: str) -> Reply:
    return Reply(content=content)


def status(code: int) -> Reply:
    return Reply(status=code)


class FakeOpenAI:
    """Serve `script` in order; when it runs out, answer with text (a model that stopped calling tools)."""

    def __init__(self, script: list[Reply]):
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []  # {"headers": ..., "body": ..., "status": ...}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["body"] is not None]

    def __enter__(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                code, payload = fake._answer(self.path, dict(self.headers), raw)
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(raw or b"null")
        except json.JSONDecodeError:
            body = None
        with self._lock:
            reply = self.script.pop(0) if self.script else text("(script exhausted)")
            self.requests.append({"path": path, "headers": {k.lower(): v for k, v in headers.items()}, "body": body, "status": reply.status})
        if reply.before is not None:
            reply.before()
        if path.rstrip("/") != "/v1/chat/completions":
            return 404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}}
        if reply.status != 200:
            return reply.status, {"error": {"message": f"scripted status {reply.status}", "type": "scripted", "code": reply.status}}
        episode = self._latest_episode(body)
        tool_calls = []
        for name, arguments in reply.tool_calls:
            args_text = arguments if isinstance(arguments, str) else json.dumps(arguments)
            if episode:
                args_text = args_text.replace("{episode_id}", episode)
            tool_calls.append({"id": f"call_{next(self._ids)}", "type": "function", "function": {"name": name, "arguments": args_text}})
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if tool_calls:
            message["tool_calls"] = tool_calls
        return 200, {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": 0,
            "model": (body or {}).get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    @staticmethod
    def _latest_episode(body: Any) -> str | None:
        found = None
        for message in (body or {}).get("messages", []):
            content = message.get("content")
            if isinstance(content, list):  # content parts
                content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
            for match in EPISODE_ID.finditer(content or ""):
                found = match.group(0)
        return found
