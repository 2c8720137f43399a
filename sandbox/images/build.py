"""Build a Docker image from a tar context on a base image, following the build log.

The base is made local first (pulled once if the engine lacks it), so a missing base gives the
offline recipe instead of a registry error buried in a build log. Used for the sandbox image and
for the server image alike.
"""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Callable, Iterable
from typing import IO, Any

import docker
import docker.errors
from docker.models.images import Image
from docker.utils import parse_repository_tag

DEFAULT_BASE_IMAGE = "python:3.11-slim"

OFFLINE_HINT = (
    "run `debugbox image build-offline-base` then "
    "`debugbox image build --base-image debugbox-base:bookworm`"
)

TAIL_LINES = 40  # lines of a failing build's log (or command's output) an error message carries
# The classic builder colours a step's stderr with ANSI escapes; they are
# noise in logs and exception messages.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Progress = Callable[[str], None]


def stderr_progress(line: str) -> None:
    """Default progress sink: one line to stderr, flushed so it shows live."""
    sys.stderr.write(line.rstrip("\n") + "\n")
    sys.stderr.flush()


def emit(progress: Progress | None, line: str) -> None:
    """One line to `progress`; None means silent."""
    if progress:
        progress(line.rstrip("\n"))


class ImageBuildError(RuntimeError):
    """An image could not be built; the message carries the failing step."""


class BaseImageUnavailable(ImageBuildError):
    """The base image is neither local nor pullable."""


def image_exists(tag: str, client: docker.DockerClient) -> bool:
    """True when the engine has ``tag`` locally (never pulls)."""
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def build_image(
    client: docker.DockerClient,
    *,
    tag: str,
    base_image: str,
    context: IO[bytes],
    labels: dict[str, str] | None = None,
    progress: Progress | None = stderr_progress,
    network_mode: str | None = None,
    nocache: bool = False,
) -> Image:
    """Build a tar build context whose Dockerfile takes ``ARG BASE_IMAGE``, streaming the log.
    ``network_mode="none"``: the build's RUN steps have no network (environment images);
    ``nocache``: every step runs now (the layer cache ignores the network mode)."""
    _ensure_base_image(client, base_image, progress)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        # The low-level API streams the log; images.build() only returns it
        # after the build has finished.
        events = client.api.build(
            fileobj=context,
            custom_context=True,
            tag=tag,
            buildargs={"BASE_IMAGE": base_image},
            labels={"io.debugbox.base-image": base_image, **(labels or {})},
            rm=True,
            forcerm=True,
            # The base was checked (or pulled) above; never hit a registry here.
            pull=False,
            decode=True,
            network_mode=network_mode,
            nocache=nocache,
        )
        error = _follow_build_log(events, tail, progress)
    except docker.errors.APIError as exc:
        error = str(exc)
    if error is not None:
        raise ImageBuildError(
            f"building {tag!r} on {base_image!r} failed: {error}\n"
            f"--- build log tail ---\n" + "\n".join(tail)
        )
    return client.images.get(tag)


def _missing_base_message(base_image: str, reason: str) -> str:
    return (
        f"base image {base_image!r} is not available locally and could not be "
        f"pulled ({reason}). Without registry access, {OFFLINE_HINT}."
    )


def _ensure_base_image(
    client: docker.DockerClient, base_image: str, progress: Progress | None
) -> None:
    """Make the base local, pulling it once if needed."""
    if image_exists(base_image, client):
        return
    emit(progress, f"base image {base_image!r} not present locally; pulling it")
    repository, tag = parse_repository_tag(base_image)
    try:
        for event in client.api.pull(repository, tag=tag or "latest", stream=True, decode=True):
            if "error" in event:
                raise BaseImageUnavailable(_missing_base_message(base_image, event["error"]))
            _emit_pull_event(event, progress)
    except docker.errors.APIError as exc:
        reason = exc.explanation or str(exc)
        raise BaseImageUnavailable(_missing_base_message(base_image, str(reason))) from exc
    if not image_exists(base_image, client):
        raise BaseImageUnavailable(_missing_base_message(base_image, "pull reported no image"))


def _emit_pull_event(event: dict[str, Any], progress: Progress | None) -> None:
    # Per-chunk download/extract ticks would flood the log; keep milestones.
    status = event.get("status", "")
    if status and not event.get("progressDetail"):
        layer = event.get("id")
        emit(progress, f"{layer}: {status}" if layer else status)


def _follow_build_log(
    events: Iterable[dict[str, Any]], tail: deque[str], progress: Progress | None
) -> str | None:
    """Forward build output; return the daemon's error message, if any."""
    for event in events:
        if "error" in event:
            message = event.get("errorDetail", {}).get("message") or event["error"]
            message = _ANSI_ESCAPE.sub("", message).strip()
            tail.append(message)
            return message
        text = event.get("stream") or event.get("status")
        if not text:
            continue
        for line in _ANSI_ESCAPE.sub("", text).rstrip("\n").splitlines():
            tail.append(line)
            emit(progress, line)
    return None
