"""What a sandbox must have installed besides pytest: a list of Python requirements.

`EnvironmentRequest` is the one shape every caller speaks: a task's `[environment]` (tasks/model.py),
a project's detected requirements (requirements.txt, pyproject), a plain list in a test. A provider
takes it in `acquire(episode_id, environment=...)` and gives a sandbox with those packages
installed (docker: an image derived from the sandbox image; local: a venv), both made from wheels
the host downloads, so nothing inside a sandbox ever reaches a network.

Every requirement is hostile input until parsed here: only PEP 508 names with versions, extras
and markers pass; pip options (`--index-url`, `-e`, `-r`, `--hash`), URLs (`name @ https://...`)
and paths never reach pip's command line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, field_validator

MAX_REQUIREMENTS = 100
MAX_REQUIREMENT_CHARS = 200


class BadRequirement(ValueError):
    """A requirement that debugbox will not hand to pip; the message names it and why."""


def parse_requirement(line: str) -> Requirement:
    """One PEP 508 requirement from a registry by name, or BadRequirement saying what is wrong."""
    text = line.strip()
    shown = text if len(text) <= 60 else text[:60] + "..."
    if not text:
        raise BadRequirement("an empty requirement")
    if len(text) > MAX_REQUIREMENT_CHARS or any(ch in text for ch in "\r\n\x00\\"):
        raise BadRequirement(f"{shown!r} is not a single requirement line of at most {MAX_REQUIREMENT_CHARS} characters")
    if "$" in text or "#" in text:
        # pip expands ${VARIABLES} and cuts `#` comments in requirement lines: the line would mean
        # something else to pip than to us (and could read the host's environment).
        raise BadRequirement(f"{shown!r} holds '$' or '#', which pip would rewrite; write the requirement plainly")
    if text.startswith("-"):
        raise BadRequirement(f"{shown!r} is a pip option; only package requirements like 'attrs==24.*' are allowed")
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise BadRequirement(f"{shown!r} is not a valid requirement ({str(exc).splitlines()[0]}); write it like 'attrs==24.*'") from None
    if requirement.url is not None:
        raise BadRequirement(f"{shown!r} names a URL or path; only packages from the index, by name and version, are allowed")
    return requirement


def parse_requirements(value: object) -> tuple[str, ...]:
    """A list of requirement strings as canonical, sorted strings, one per package; BadRequirement else."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise BadRequirement("requirements must be a list of strings like ['attrs==24.*']")
    items = list(value)
    if not items:
        raise BadRequirement("an environment needs at least one requirement")
    if len(items) > MAX_REQUIREMENTS:
        raise BadRequirement(f"{len(items)} requirements; at most {MAX_REQUIREMENTS} are allowed")
    by_name: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str):
            raise BadRequirement(f"requirement {item!r} is not a string")
        requirement = parse_requirement(item)
        name = canonicalize_name(requirement.name)
        if name in by_name:
            raise BadRequirement(f"{name!r} is listed twice; combine its versions in one line, like 'attrs>=22,<25'")
        by_name[name] = canonical(requirement)
    return tuple(sorted(by_name.values()))


def canonical(requirement: Requirement) -> str:
    """The requirement with its name normalized (PEP 503), so equal requests digest alike."""
    requirement.name = canonicalize_name(requirement.name)
    return str(requirement)


class EnvironmentRequest(BaseModel):
    """The packages a sandbox needs: canonical PEP 508 strings, sorted, one per package."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    requirements: tuple[str, ...]

    @field_validator("requirements", mode="before")
    @classmethod
    def _parse(cls, value: object) -> tuple[str, ...]:
        return parse_requirements(value)

    @classmethod
    def from_lines(cls, text: str) -> EnvironmentRequest:
        """A requirements.txt: one requirement per line, `#` comments and blank lines skipped.
        Its pip options (-r, -e, --index-url, ...) are refused, not ignored: the file would mean
        something else to pip than to us."""
        lines = []
        for raw in text.splitlines():
            line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
            if line:
                lines.append(line)
        return cls(requirements=tuple(lines))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(Requirement(r).name for r in self.requirements)

    @property
    def key(self) -> str:
        """sha256 of the sorted requirements: the request's identity before anything is resolved."""
        return hashlib.sha256(json.dumps(list(self.requirements)).encode()).hexdigest()

    def describe(self) -> str:
        shown = ", ".join(self.requirements[:5])
        return shown + (f" and {len(self.requirements) - 5} more" if len(self.requirements) > 5 else "")


class EnvironmentBuildError(Exception):
    """The requested packages cannot be installed: a package the index does not know, a version that
    does not resolve, an sdist that will not build into a wheel. A fault of the request (the task),
    not of the sandbox or the agent, and retrying does not help. `package` names the culprit when
    pip's output does."""

    def __init__(self, message: str, package: str | None = None):
        super().__init__(message)
        self.package = package
