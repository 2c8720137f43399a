"""Finding one's way in code one has not seen: list_files and search_code over an episode's readable
files (editable files as they are now, read-only sources, visible tests). Hidden tests and the
solution are never among them, so no listing or search can show them. Pure: no I/O; the service
runs the work in a worker thread when the files are large (environment/offload.py).

Hostile input is bounded: a pattern or glob of at most a few hundred characters, a regex whose
counted repeats cannot expand into a huge program, a total time budget per search (the `regex`
engine's own timeout: Python's `re` has none, and a backtracking pattern can take forever on one
line), at most MAX_RESULTS lines shown, each cut to MAX_SHOWN_LINE_CHARS, and the whole listing to
MAX_OUTPUT_CHARS.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
import time
from collections.abc import Callable
from typing import Literal

import regex
from pydantic import BaseModel, Field

from environment.errors import BadArgument, quoted
from environment.results import EpisodeStatus
from tasks import globs

MAX_GLOB_CHARS = 300
MAX_PATTERN_CHARS = 500
DEFAULT_MAX_RESULTS = 50
MAX_RESULTS = 500
MAX_SHOWN_LINE_CHARS = 200
MAX_OUTPUT_CHARS = 60_000
MAX_LISTED_FILES = 1000
GLOB_BUDGET_S = 1.0  # matching one glob against every path of an episode
SEARCH_BUDGET_S = 1.0  # a search that has not finished by then answers with what it found
MAX_REGEX_WEIGHT = 10_000  # the size of the program counted repeats expand to: (?:a{1000}){1000} is 10**6

Role = Literal["editable", "readonly", "test"]


def role(files: dict[str, str], test_files: dict[str, str], path: str) -> Role:
    if path in files:
        return "editable"
    return "test" if path in test_files else "readonly"


# -- globs ---------------------------------------------------------------------------------


def glob_matcher(glob: str | None) -> Callable[[str], bool]:
    """Which paths a glob selects. `*` and `?` stay within one path segment, `**` spans any number of
    directories, `[abc]` and `[!abc]` are classes. A glob without `/` matches file names in any
    directory (`*.py`, `test_*`); one with `/` matches whole paths from the project root
    (`src/**/*.py`). A glob that matches a directory selects every file under it (`src/pkg`)."""
    if glob is None:
        return lambda path: True
    if not isinstance(glob, str) or not glob.strip():
        raise BadArgument("glob is empty: give a pattern such as '*.py' or 'src/**/test_*.py', or leave glob out for every file. No step was counted.")
    if len(glob) > MAX_GLOB_CHARS:
        raise BadArgument(f"glob is {len(glob)} characters; at most {MAX_GLOB_CHARS}. No step was counted.")
    glob = glob.strip()
    if glob.startswith("/"):
        raise BadArgument(f"glob {quoted(glob)} is absolute; paths are relative to the project root, like 'src/*.py'. No step was counted.")
    glob = glob.removeprefix("./").rstrip("/")
    try:
        compiled = regex.compile(_translate(glob), regex.VERSION0)
    except regex.error as exc:  # a class such as [z-a]
        raise BadArgument(f"glob {quoted(glob)} has a bad [...] class ({exc}). No step was counted.") from None
    deadline: list[float] = []

    def fullmatch(text: str) -> bool:
        # tasks/globs.py writes globs so they do not backtrack; what still could ('**?**?**?...')
        # meets a time budget, and the regex engine lets go of the GIL while it runs.
        deadline[:] = deadline or [time.monotonic() + GLOB_BUDGET_S]
        try:
            return compiled.fullmatch(text, concurrent=True, timeout=max(deadline[0] - time.monotonic(), 0.001)) is not None
        except TimeoutError:
            raise BadArgument(f"glob {quoted(glob)} takes too long to match (over {GLOB_BUDGET_S:g} s): write it with fewer wildcards. No step was counted.") from None

    if "/" not in glob:
        return lambda path: any(fullmatch(part) for part in path.split("/"))
    return lambda path: any(fullmatch(prefix) for prefix in _prefixes(path))


def _prefixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _translate(glob: str) -> str:
    """The one glob grammar of the project (tasks/globs.py, as for `editable`), its error in a tool's words."""
    try:
        return globs.translate(glob)
    except ValueError:
        raise BadArgument(f"glob {quoted(glob)} has a '[' without its ']'; write '[[]' for a literal '['. No step was counted.") from None


def select(paths: list[str], glob: str | None, matches: Callable[[str], bool]) -> list[str]:
    """The paths a glob selects, sorted; a glob that selects nothing is an error (nothing was done)."""
    chosen = sorted(p for p in paths if matches(p))
    if not chosen:
        raise BadArgument(
            f"No readable file matches glob {quoted(glob)}. Call list_files without a glob to see the files "
            "(hidden tests are never readable). No step was counted."
        )
    return chosen


# -- list_files ------------------------------------------------------------------------------


class ListedFile(BaseModel):
    path: str
    role: Role = Field(description="editable, readonly (a source you can read and not edit) or test (a visible test)")
    lines: int
    bytes: int = Field(description="size in bytes, UTF-8")


class Listing(BaseModel):
    glob: str | None
    files: list[ListedFile] = Field(description="sorted by path; at most MAX_LISTED_FILES")
    total_files: int = Field(description="every file the glob selects, listed or not")
    total_bytes: int


def listing(files: dict[str, str], readable: dict[str, str], test_files: dict[str, str], glob: str | None, matches: Callable[[str], bool]) -> Listing:
    chosen = select(list(readable), glob, matches)
    entries, total_bytes = [], 0
    for path in chosen:
        text = readable[path]
        size = len(text.encode("utf-8", "surrogatepass"))
        total_bytes += size
        if len(entries) < MAX_LISTED_FILES:
            lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
            entries.append(ListedFile(path=path, role=role(files, test_files, path), lines=lines, bytes=size))
    return Listing(glob=glob, files=entries, total_files=len(chosen), total_bytes=total_bytes)


class ListFilesResult(EpisodeStatus, Listing):
    def text(self) -> str:
        where = f" matching {quoted(self.glob)}" if self.glob is not None else ""
        rows = "\n".join(f"- {f.path} ({f.role}, {f.lines} lines, {_size(f.bytes)})" for f in self.files)
        more = ""
        if self.total_files > len(self.files):
            more = f"\n... and {self.total_files - len(self.files)} more: narrow the listing with a glob such as 'src/pkg/**'."
        return f"{_n(self.total_files, 'file')}{where}, {_size(self.total_bytes)} in all:\n{rows}{more}\n{self.footer()}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _size(n: int) -> str:
    return f"{n} B" if n < 10_000 else f"{n / 1000:.0f} KB" if n < 10_000_000 else f"{n / 1_000_000:.0f} MB"


# -- search_code -----------------------------------------------------------------------------


Finder = Callable[[str, int, float], "tuple[int, int] | None"]


def finder(pattern: str, is_regex: bool) -> Finder:
    """What finds the next match in a file: (start, end), or None; raises TimeoutError past the deadline."""
    if not isinstance(pattern, str) or pattern == "":
        raise BadArgument("pattern is empty: give the text to find (or a regex with regex=true). No step was counted.")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise BadArgument(f"pattern is {len(pattern)} characters; at most {MAX_PATTERN_CHARS}. Search for a shorter, distinctive piece. No step was counted.")
    if "\n" in pattern and not is_regex:
        raise BadArgument("pattern holds a newline; search_code matches within one line: search for one line of it. No step was counted.")
    if not is_regex:

        def literal(text: str, pos: int, deadline: float) -> tuple[int, int] | None:
            start = text.find(pattern, pos)
            return None if start < 0 else (start, start + len(pattern))

        return literal
    compiled = compile_regex(pattern)

    def search(text: str, pos: int, deadline: float) -> tuple[int, int] | None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        m = compiled.search(text, pos, concurrent=True, timeout=remaining)
        return None if m is None else m.span()

    return search


def compile_regex(pattern: str) -> regex.Pattern:
    """A Python regex (re syntax), checked by re's own parser first so its errors read as Python's,
    and refused when its counted repeats would expand into a huge program (the regex engine unrolls
    them at compile time)."""
    try:
        parsed = sre_parse.parse(pattern, re.MULTILINE)
    except re.error as exc:
        raise BadArgument(f"pattern is not a valid Python regex: {exc}. Escape special characters (\\( \\. \\*) or set regex=false for plain text. No step was counted.") from None
    except RecursionError:
        raise BadArgument("pattern nests too deeply. No step was counted.") from None
    if _weight(parsed) > MAX_REGEX_WEIGHT:
        raise BadArgument(f"pattern's counted repeats are too large (they expand past {MAX_REGEX_WEIGHT} steps); use smaller {{m,n}} counts. No step was counted.")
    try:
        return regex.compile(pattern, regex.MULTILINE | regex.VERSION0)
    except (regex.error, OverflowError, MemoryError) as exc:
        raise BadArgument(f"pattern is not a regex this server can run: {exc}. No step was counted.") from None


def _weight(items) -> int:
    total = 0
    for op, arg in items:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            lo, hi, sub = arg
            count = hi if hi != sre_constants.MAXREPEAT else max(lo, 1)
            total += max(count, 1) * _weight(sub)
        elif op is sre_constants.SUBPATTERN:
            total += _weight(arg[-1])
        elif op is sre_constants.BRANCH:
            total += sum(_weight(b) for b in arg[1])
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            total += _weight(arg[1])
        elif op is sre_constants.ATOMIC_GROUP:
            total += _weight(arg)
        elif op is sre_constants.GROUPREF_EXISTS:
            total += _weight(arg[1]) + (_weight(arg[2]) if arg[2] else 0)
        else:
            total += 1
    return total


class Search(BaseModel):
    pattern: str
    regex: bool
    glob: str | None
    matches: list[str] = Field(description="matching lines as path:line|text, in path order, each line once")
    total_matches: int = Field(description="matching lines counted (at least this many when complete is false)")
    files_matched: int
    files_searched: int = Field(description="files the glob selects (all readable files without a glob)")
    complete: bool = Field(description="false when the time budget ran out: the counts are then lower bounds")
    output_cut: bool = Field(default=False, description="true when the shown lines were cut to bound the output")


def search(readable: dict[str, str], paths: list[str], find: Finder, pattern: str, is_regex: bool, glob: str | None, max_results: int, budget_s: float = SEARCH_BUDGET_S) -> Search:
    deadline = time.monotonic() + budget_s
    shown: list[str] = []
    output_chars, total, files_matched, complete, cut, found_here = 0, 0, 0, True, False, False
    try:
        for path in paths:
            text = readable[path]
            pos, line_no, counted_to, found_here = 0, 1, 0, False
            while pos < len(text):
                span = find(text, pos, deadline)
                if span is None:
                    break
                start = span[0]
                if start == len(text) and text.endswith("\n"):
                    break  # an empty match after the last newline (\Z): no line is there
                line_no += text.count("\n", counted_to, start)
                counted_to = start
                line_end = text.find("\n", start)
                line_end = len(text) if line_end < 0 else line_end
                total += 1
                found_here = True
                if len(shown) < max_results and not cut:
                    line_start = text.rfind("\n", 0, start) + 1
                    row = f"{path}:{line_no}|{_cut(text[line_start:line_end].rstrip(chr(13)), start - line_start)}"
                    if output_chars + len(row) > MAX_OUTPUT_CHARS:
                        cut = True
                    else:
                        shown.append(row)
                        output_chars += len(row) + 1
                pos = line_end + 1
                if time.monotonic() > deadline:
                    raise TimeoutError
            files_matched += found_here
    except TimeoutError:
        complete = False
        files_matched += found_here
    return Search(pattern=pattern, regex=is_regex, glob=glob, matches=shown, total_matches=total, files_matched=files_matched, files_searched=len(paths), complete=complete, output_cut=cut)


def _cut(line: str, at: int) -> str:
    """A line of at most MAX_SHOWN_LINE_CHARS, keeping the match in view."""
    if len(line) <= MAX_SHOWN_LINE_CHARS:
        return line
    begin = max(0, min(at - MAX_SHOWN_LINE_CHARS // 4, len(line) - MAX_SHOWN_LINE_CHARS))
    piece = line[begin : begin + MAX_SHOWN_LINE_CHARS]
    return ("..." if begin else "") + piece + ("..." if begin + MAX_SHOWN_LINE_CHARS < len(line) else "") + f" [line of {len(line)} chars]"


class SearchCodeResult(EpisodeStatus, Search):
    def text(self) -> str:
        what = f"{'regex' if self.regex else 'text'} {quoted(self.pattern)}"
        scope = _n(self.files_searched, "file") + (f" matching glob {quoted(self.glob)}" if self.glob is not None else "")
        late = "" if self.complete else (
            f"\nThe search stopped early: it ran past its {SEARCH_BUDGET_S:g} s budget (a regex that backtracks heavily, or a "
            "very broad search), so the counts are lower bounds. Use a simpler pattern or narrow it with glob."
        )
        if self.total_matches == 0:
            hint = "" if self.regex else " (exact text, case-sensitive; regex=true takes a Python regex, e.g. '(?i)name')"
            return f"No line matches {what}{hint} in {scope}.{late}\n{self.footer()}"
        head = f"{_n(self.total_matches, 'matching line')} in {_n(self.files_matched, 'file')} for {what} ({scope} searched):"
        body = "\n".join(self.matches)
        more = ""
        if len(self.matches) < self.total_matches:
            why = "the output limit" if self.output_cut else f"max_results={len(self.matches)}"
            more = f"\n[{len(self.matches)} of {self.total_matches} shown ({why}); narrow with glob or a more specific pattern, or raise max_results (at most {MAX_RESULTS}).]"
        return f"{head}\n{body}{more}{late}\n{self.footer()}"


def check_max_results(max_results: int | None) -> int:
    if max_results is None:
        return DEFAULT_MAX_RESULTS
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= MAX_RESULTS:
        raise BadArgument(f"max_results must be between 1 and {MAX_RESULTS}, got {quoted(max_results)}. No step was counted.")
    return max_results
