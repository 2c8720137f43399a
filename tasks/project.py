"""A project of the user's, copied into memory by rules a hostile path cannot bend (DESIGN.md,
invariant 8): the path resolved before it is checked against the allowed roots; inside it no
symlink followed, files and directories opened relative to their parent's descriptor with
O_NOFOLLOW (so nothing swapped in meanwhile is read); `.gitignore` files honoured (pathspec's git
semantics), VCS internals, virtualenvs, caches, binary and oversized files skipped; a project past
the total size cap refused with the numbers. It only ever reads the user's tree.

`tasks/project_task.py` turns the copy into the in-memory Task every tool works on.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import pathspec
import regex
from pydantic import BaseModel, ConfigDict, Field

# Directories never copied, whatever .gitignore says: version control, caches, tool state.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".bzr", "_darcs", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
     ".hypothesis", ".tox", ".nox", ".eggs", "node_modules", ".venv", "venv", ".idea", ".direnv", "htmlcov"}
)
SKIPPED_FILES = frozenset({".DS_Store", "Thumbs.db", ".coverage"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".so", ".egg-info", ".dist-info")
READ_CHUNK = 1 << 16


class ProjectRefused(ValueError):
    """The project cannot be opened: the message names the path and says what to do instead."""


class ProjectLimits(BaseModel):
    """What one project episode may copy. The total is the episode's editable workspace, so it is
    bounded like one (environment/limits.py's max_workspace_chars)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_bytes: int = Field(default=500_000, ge=1, description="a larger file is skipped (not copied)")
    max_total_bytes: int = Field(default=2_000_000, ge=1, description="a project whose copied files add up to more is refused")
    max_files: int = Field(default=2_000, ge=1, description="a project with more files to copy is refused")
    max_entries: int = Field(default=100_000, ge=1, description="directory entries looked at before giving up (a home directory by mistake)")
    max_depth: int = Field(default=64, ge=1, description="directories nested deeper are skipped")
    max_copy_s: float = Field(default=30.0, gt=0, description="a copy still running after this is given up (a slow disk, a pathological .gitignore)")


@dataclass
class ProjectCopy:
    """The copied files (text, by POSIX path relative to the project root) and what was left out."""

    root: Path  # resolved
    files: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> files (or directories) left out
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> a few paths

    def skip(self, reason: str, path: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        examples = self.skipped_examples.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(path)

    @property
    def total_bytes(self) -> int:
        return sum(len(text.encode("utf-8", "surrogatepass")) for text in self.files.values())


def resolve_under_roots(path: str, roots: tuple[Path, ...]) -> Path:
    """The project directory `path` names (absolute, or relative to the only root), resolved, and
    inside one of the resolved roots; else ProjectRefused saying why."""
    if not roots:
        raise ProjectRefused(
            "open_project is not enabled on this server: no project root is allowed. Start the server with "
            "`debugbox serve --project-root DIR` (repeatable) or DEBUGBOX_PROJECT_ROOTS=DIR1:DIR2, naming the "
            "directories whose projects an agent may open."
        )
    if not isinstance(path, str) or not path.strip() or "\x00" in path or len(path) > 4096:
        raise ProjectRefused(f"path must be a directory under an allowed root ({_roots(roots)}).")
    given = Path(os.path.expanduser(path.strip()))
    if not given.is_absolute():
        if len(roots) > 1:
            raise ProjectRefused(f"path {path!r} is relative, and this server allows several roots: give an absolute path under one of {_roots(roots)}.")
        given = roots[0] / given
    try:
        resolved = given.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ProjectRefused(f"path {path!r} does not exist (or cannot be read). Allowed roots: {_roots(roots)}.") from None
    for root in roots:
        real_root = root.resolve()
        if resolved == real_root or real_root in resolved.parents:
            if not resolved.is_dir():
                raise ProjectRefused(f"path {path!r} is a file; give the project's directory (under {_roots(roots)}).")
            return resolved
    via = f" (it resolves to {str(resolved)!r})" if str(resolved) != str(given) else ""
    raise ProjectRefused(f"path {path!r} is outside the allowed project roots{via}: allowed are {_roots(roots)}. Pick a project under one of them.")


def _roots(roots: tuple[Path, ...]) -> str:
    return ", ".join(str(r) for r in roots)


def copy_project(root: Path, limits: ProjectLimits) -> ProjectCopy:
    """Read the project at `root` (already resolved and allowed) by the copy rules."""
    copy = ProjectCopy(root=root)
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:  # replaced by a symlink or removed since it was resolved, or not readable
        raise ProjectRefused(f"the project directory {str(root)!r} cannot be opened ({exc.strerror}).") from None
    # O_NOFOLLOW guards the last component only: a directory above it swapped for a symlink since
    # resolve_under_roots checked the path would lead the open elsewhere. What was opened must
    # still be the path that was checked.
    opened = Path(f"/proc/self/fd/{fd}")
    if opened.exists() and os.path.realpath(opened) != str(root):
        os.close(fd)
        raise ProjectRefused(f"the project directory {str(root)!r} changed while it was being opened (a directory above it was replaced): open it again.")
    budget = {"entries": 0, "bytes": 0, "deadline": time.monotonic() + limits.max_copy_s}
    try:
        _walk(fd, "", [], copy, limits, budget)
    except TimeoutError:  # a .gitignore pattern still matching at the deadline
        raise _too_slow(copy, limits, budget, "; a .gitignore pattern that backtracks, like `a*a*a*a*b`, can do that: simplify it") from None
    finally:
        os.close(fd)
    return copy


def _too_slow(copy: ProjectCopy, limits: ProjectLimits, budget: dict, why: str = "") -> ProjectRefused:
    return ProjectRefused(
        f"copying the project at {str(copy.root)!r} took longer than {limits.max_copy_s:g} s ({budget['entries']:,} entries "
        f"looked at{why}): open a smaller directory, or one on a faster disk."
    )


class _TimedRegex:
    """A pattern's regex run by the `regex` engine with the copy's deadline: pathspec compiles
    gitignore globs for `re`, and a line like `a*a*a*a*a*a*a*a*a*a*b` against a long file name
    backtracks for hours, holding the GIL (found by the red team: one project's .gitignore froze
    the whole server, deadline and all). `regex` releases the GIL and stops at the deadline."""

    def __init__(self, pattern: str, deadline: float):
        self.pattern = pattern
        self._compiled = regex.compile(pattern, regex.VERSION0)
        self._deadline = deadline

    def match(self, text: str):
        return self._compiled.match(text, concurrent=True, timeout=max(0.001, self._deadline - time.monotonic()))


def _ignore_spec(dir_fd: int, deadline: float) -> pathspec.GitIgnoreSpec | None:
    text = _read_regular(".gitignore", dir_fd, 1_000_000)
    if text is None:
        return None
    spec = pathspec.GitIgnoreSpec.from_lines(text.decode("utf-8", "replace").splitlines())
    for pattern in spec.patterns:
        compiled = getattr(pattern, "regex", None)
        if compiled is not None and _may_backtrack(compiled.pattern):
            pattern.regex = _TimedRegex(compiled.pattern, deadline)
    return spec


_QUANTIFIER = re.compile(r"(?<!\\)[*+]")
_DIRECTORY_SUFFIX = "(?:(?P<ps_d>/).*)?$"  # pathspec's tail for a directory's contents: never backtracks


def _may_backtrack(pattern: str) -> bool:
    """More than two unbounded repeats (`**/` is one, each `*` another): `re` with two is at worst
    quadratic in a path's length; past that it is a polynomial of any degree, so the slower `regex`
    engine with the deadline takes it (~5x `re`'s cost per match: only for such lines)."""
    return len(_QUANTIFIER.findall(pattern.removesuffix(_DIRECTORY_SUFFIX))) > 2


def _ignored(rel: str, is_dir: bool, specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> bool:
    """git's rule: the deepest .gitignore with a matching pattern decides (negations included)."""
    verdict = False
    for base, spec in specs:
        inside = rel[len(base) :] if base else rel
        result = spec.check_file(inside + "/" if is_dir else inside)
        if result.include is not None:
            verdict = result.include
    return verdict


def _walk(dir_fd: int, prefix: str, specs: list, copy: ProjectCopy, limits: ProjectLimits, budget: dict) -> None:
    spec = _ignore_spec(dir_fd, budget["deadline"])
    specs = [*specs, (prefix, spec)] if spec is not None else specs
    with os.scandir(dir_fd) as entries:
        names = sorted((e.name, e) for e in entries)
    for name, entry in names:
        budget["entries"] += 1
        if time.monotonic() > budget["deadline"]:
            raise _too_slow(copy, limits, budget)
        if budget["entries"] > limits.max_entries:
            raise ProjectRefused(
                f"the project at {str(copy.root)!r} has more than {limits.max_entries:,} files and directories (after "
                ".gitignore and the skipped directories): is it really one project? Open a smaller directory."
            )
        rel = prefix + name
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            copy.skip("unreadable", rel)
            continue
        if not _plain_name(name):
            copy.skip("unusual file name", rel.encode("utf-8", "replace").decode())
        elif stat.S_ISLNK(info.st_mode):
            copy.skip("symlink (never followed)", rel)
        elif stat.S_ISDIR(info.st_mode):
            if name in SKIPPED_DIRS or name.endswith(SKIPPED_SUFFIXES) or _ignored(rel, True, specs):
                copy.skip("ignored directory", rel + "/")
                continue
            if rel.count("/") + 1 > limits.max_depth:
                copy.skip(f"nested deeper than {limits.max_depth} directories", rel + "/")
                continue
            try:
                child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError:
                copy.skip("unreadable", rel + "/")
                continue
            try:
                if _is_virtualenv(child):
                    copy.skip("virtualenv", rel + "/")
                    continue
                _walk(child, rel + "/", specs, copy, limits, budget)
            finally:
                os.close(child)
        elif not stat.S_ISREG(info.st_mode):
            copy.skip("not a regular file", rel)
        elif name in SKIPPED_FILES or name.endswith(SKIPPED_SUFFIXES) or _ignored(rel, False, specs):
            copy.skip("ignored", rel)
        elif info.st_size > limits.max_file_bytes:
            copy.skip(f"over {limits.max_file_bytes:,} bytes", rel)
        else:
            _copy_file(name, rel, dir_fd, copy, limits, budget)


def _copy_file(name: str, rel: str, dir_fd: int, copy: ProjectCopy, limits: ProjectLimits, budget: dict) -> None:
    data = _read_regular(name, dir_fd, limits.max_file_bytes)
    if data is None:
        copy.skip(f"over {limits.max_file_bytes:,} bytes, or unreadable", rel)
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        copy.skip("binary (not UTF-8 text)", rel)
        return
    budget["bytes"] += len(data)
    if budget["bytes"] > limits.max_total_bytes or len(copy.files) >= limits.max_files:
        raise _too_large(copy, limits, budget)
    copy.files[rel] = text


def _too_large(copy: ProjectCopy, limits: ProjectLimits, budget: dict) -> ProjectRefused:
    files = len(copy.files) + 1
    return ProjectRefused(
        f"the project at {str(copy.root)!r} is too large to copy: already {budget['bytes']:,} bytes in {files:,} files "
        f"after .gitignore and the skipped directories, and the limits are {limits.max_total_bytes:,} bytes and "
        f"{limits.max_files:,} files (the server's --project-max-mb, within its --max-workspace-chars, and --project-max-files). Open a subdirectory, "
        "or .gitignore what the tests do not need."
    )


def _read_regular(name: str, dir_fd: int, limit: int) -> bytes | None:
    """The file's bytes if it is a regular file of at most `limit` bytes (opened without following
    a symlink and without blocking on a FIFO swapped in meanwhile), else None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, READ_CHUNK):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _plain_name(name: str) -> bool:
    """A name a Task path, a sandbox and a patch can all carry: UTF-8, printable, no backslash."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable() and "\\" not in name


def _is_virtualenv(dir_fd: int) -> bool:
    try:
        os.stat("pyvenv.cfg", dir_fd=dir_fd, follow_symlinks=False)
        return True
    except OSError:
        return False
