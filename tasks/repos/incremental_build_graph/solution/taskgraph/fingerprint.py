"""Fingerprints: a digest of everything a job's result depends on.

Two runs of a job with equal fingerprints produce the same outputs, so the second can be skipped.
"""

from __future__ import annotations

import hashlib
import json

from taskgraph.spec import Job

MISSING = "<missing>"


def file_digest(content: str | bytes | None) -> str:
    if content is None:
        return MISSING
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def input_digests(job: Job, files: dict[str, str]) -> dict[str, str]:
    return {path: file_digest(files.get(path)) for path in sorted(job.inputs)}


def job_fingerprint(job: Job, files: dict[str, str], upstream: dict[str, str]) -> str:
    """The job's fingerprint, given the workspace files and the fingerprints already computed
    for the jobs it needs (`upstream`, by job name)."""
    material = {
        "command": job.command,
        "env": list(job.env),
        "inputs": input_digests(job, files),
        "outputs": sorted(job.outputs),
        # A job is stale when anything upstream changed, even if its own inputs did not.
        "needs": {name: upstream[name] for name in sorted(job.needs)},
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def short(fingerprint: str) -> str:
    return fingerprint[:12]
