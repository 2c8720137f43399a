"""An episode's breakpoints (pure): they persist across debug_start calls until cleared, and each
remembers the text of its line, so that one whose code changed is dropped with a warning instead
of stopping somewhere the agent never meant."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from environment import views
from environment.errors import BadArgument, quoted

MAX_BREAKPOINTS = 50
MAX_CONDITION_CHARS = 500
_SPEC = re.compile(r"^\s*(?P<path>[^:\s][^:]*?)\s*:\s*(?P<line>\d+)\s*(?:\bif\b\s*(?P<cond>.+?))?\s*$", re.S)


@dataclass(frozen=True)
class Breakpoint:
    path: str
    line: int
    condition: str | None
    text: str  # the line's text when it was set

    def shown(self) -> str:
        return f"{self.path}:{self.line}" + (f" if {self.condition}" if self.condition else "")


@dataclass
class Breakpoints:
    items: list[Breakpoint] = field(default_factory=list)

    def parse(self, specs: list[str], files: dict[str, str]) -> list[Breakpoint]:
        """`path:line` or `path:line if EXPR` on a readable file's existing line; BadArgument else."""
        found = []
        for spec in specs:
            match = _SPEC.match(spec) if isinstance(spec, str) and "\n" not in spec else None
            if match is None:
                raise BadArgument(f"breakpoint {quoted(str(spec))} is not `path:line` or `path:line if EXPR` (e.g. 'src/calc.py:12').")
            path, line, cond = match["path"], int(match["line"]), match["cond"]
            if path not in files:
                raise BadArgument(f"breakpoint {quoted(spec)}: no file {quoted(path)} in this episode. Files: {', '.join(sorted(files))}.")
            lines = views.split_lines(files[path])
            if not 1 <= line <= len(lines) or not lines[line - 1].strip():
                raise BadArgument(f"breakpoint {quoted(spec)}: line {line} of {path} is {'empty' if 1 <= line <= len(lines) else 'out of range'}; set it on a line with code (1-{len(lines)}).")
            if cond is not None and len(cond) > MAX_CONDITION_CHARS:
                raise BadArgument(f"breakpoint condition is longer than {MAX_CONDITION_CHARS} characters.")
            found.append(Breakpoint(path, line, cond, lines[line - 1]))
        return found

    def add(self, new: list[Breakpoint]) -> None:
        kept = {(b.path, b.line): b for b in self.items}
        for bp in new:
            kept[(bp.path, bp.line)] = bp
        if len(kept) > MAX_BREAKPOINTS:
            raise BadArgument(f"an episode keeps at most {MAX_BREAKPOINTS} breakpoints; clear some with debug_command('cl').")
        self.items = list(kept.values())

    def still_valid(self, files: dict[str, str]) -> list[str]:
        """Drop the breakpoints whose line no longer reads as when they were set; what was dropped."""
        warnings, kept = [], []
        for bp in self.items:
            lines = views.split_lines(files.get(bp.path, ""))
            now = lines[bp.line - 1] if 1 <= bp.line <= len(lines) else None
            if now == bp.text:
                kept.append(bp)
            else:
                was = bp.text.strip()
                warnings.append(f"breakpoint {bp.shown()} dropped: the code there changed (it was `{was[:120]}`)")
        self.items = kept
        return warnings

    def sync(self, reported: list[tuple[str, int, str | None]], files: dict[str, str]) -> None:
        """The session's own list after a command (`b`, `cl`, `tbreak` change it): the episode keeps it."""
        kept = []
        for path, line, cond in reported[:MAX_BREAKPOINTS]:
            lines = views.split_lines(files.get(path, ""))
            if 1 <= line <= len(lines):
                kept.append(Breakpoint(path, line, cond, lines[line - 1]))
        self.items = kept
