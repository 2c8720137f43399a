"""A small template engine: ``{{ path | filter }}``, ``{% if %}``, ``{% for %}`` and comments."""

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_TAG = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_FILTERS = {"upper": lambda v: str(v).upper(), "lower": lambda v: str(v).lower(), "length": len}


class TemplateError(ValueError):
    """A template has invalid syntax or refers to something that does not exist."""


class _Unresolved(Exception):
    """A path does not lead to a value."""


@dataclass
class _Text:
    text: str


@dataclass
class _Output:
    path: list[str]
    filters: list[str]
    escape: bool


@dataclass
class _If:
    path: list[str]
    negate: bool
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)


@dataclass
class _For:
    name: str
    path: list[str]
    body: list = field(default_factory=list)


@dataclass(frozen=True)
class LoopInfo:
    """What ``loop`` means inside a for body."""

    index: int
    first: bool
    last: bool


def _parse_path(text: str) -> list[str]:
    parts = text.split(".")
    if not _NAME.fullmatch(parts[0]) or not all(_PART.fullmatch(part) for part in parts[1:]):
        raise TemplateError(f"invalid path {text!r}")
    return parts


def _parse_output(inner: str) -> _Output:
    pieces = [piece.strip() for piece in inner.split("|")]
    path = _parse_path(pieces[0])
    filters = pieces[1:]
    escape = True
    if "safe" in filters:
        if filters.index("safe") != len(filters) - 1:
            raise TemplateError("the safe filter must come last")
        filters = filters[:-1]
        escape = False
    for name in filters:
        if name not in _FILTERS:
            raise TemplateError(f"unknown filter {name!r}")
    return _Output(path, filters, escape)


def _tokens(source: str) -> list[str]:
    tokens = [piece for piece in _TAG.split(source) if piece]
    for token in tokens:
        if not _TAG.fullmatch(token) and any(opener in token for opener in ("{{", "{%", "{#")):
            raise TemplateError("a tag is opened but never closed")
    return tokens


def _parse(source: str) -> list:
    root: list = []
    # Each open block: (node, the list new nodes go to, the tag that opened it).
    stack: list[tuple[Any, list, str]] = []
    current = root
    for token in _tokens(source):
        if token.startswith("{#") and _TAG.fullmatch(token):
            continue
        if token.startswith("{{") and _TAG.fullmatch(token):
            current.append(_parse_output(token[2:-2].strip()))
            continue
        if not (token.startswith("{%") and _TAG.fullmatch(token)):
            current.append(_Text(token))
            continue
        words = token[2:-2].split()
        keyword = words[0] if words else ""
        if keyword == "if":
            negate = len(words) == 3 and words[1] == "not"
            if len(words) != (3 if negate else 2):
                raise TemplateError(f"malformed if tag {token!r}")
            node = _If(_parse_path(words[-1]), negate)
            current.append(node)
            stack.append((node, current, "if"))
            current = node.body
        elif keyword == "for":
            if len(words) != 4 or words[2] != "in" or not _NAME.fullmatch(words[1]):
                raise TemplateError(f"malformed for tag {token!r}")
            node = _For(words[1], _parse_path(words[3]))
            current.append(node)
            stack.append((node, current, "for"))
            current = node.body
        elif keyword == "else" and len(words) == 1:
            if not stack or stack[-1][2] != "if" or current is stack[-1][0].orelse:
                raise TemplateError("else without a matching if")
            current = stack[-1][0].orelse
        elif keyword in ("endif", "endfor") and len(words) == 1:
            if not stack or stack[-1][2] != keyword[3:]:
                raise TemplateError(f"{keyword} without a matching {keyword[3:]}")
            _, current, _ = stack.pop()
        else:
            raise TemplateError(f"unknown tag {token!r}")
    if stack:
        raise TemplateError(f"{stack[-1][2]} block is never closed")
    return root


def _resolve(path: list[str], scope: dict[str, Any]) -> Any:
    if path[0] not in scope:
        raise _Unresolved(path[0])
    value = scope[path[0]]
    for part in path[1:]:
        if isinstance(value, Mapping):
            if part not in value:
                raise _Unresolved(part)
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isdigit():
            if int(part) >= len(value):
                raise _Unresolved(part)
            value = value[int(part)]
        elif not part.startswith("_") and hasattr(value, part):
            value = getattr(value, part)
        else:
            raise _Unresolved(part)
    return value


def _required(path: list[str], scope: dict[str, Any]) -> Any:
    try:
        return _resolve(path, scope)
    except _Unresolved:
        raise TemplateError(f"cannot resolve {'.'.join(path)!r}") from None


def _render(nodes: list, scope: dict[str, Any], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            out.append(node.text)
        elif isinstance(node, _Output):
            value = _required(node.path, scope)
            for name in node.filters:
                value = _FILTERS[name](value)
            text = str(value)
            out.append(html.escape(text, quote=True) if node.escape else text)
        elif isinstance(node, _If):
            try:
                truth = bool(_resolve(node.path, scope))
            except _Unresolved:
                truth = False
            _render(node.body if truth != node.negate else node.orelse, scope, out)
        else:
            items = list(_required(node.path, scope))
            for index, item in enumerate(items):
                inner = {**scope, node.name: item, "loop": LoopInfo(index + 1, index == 0, index == len(items) - 1)}
                _render(node.body, inner, out)


class Template:
    """A parsed template that can be rendered with different contexts."""

    def __init__(self, source: str) -> None:
        """Parse ``source``; raise TemplateError for any syntax error."""
        self._nodes = _parse(source)

    def render(self, context: dict[str, Any]) -> str:
        """Return the template's output for the values in ``context``."""
        out: list[str] = []
        _render(self._nodes, dict(context), out)
        return "".join(out)


def render(source: str, context: dict[str, Any]) -> str:
    """Parse and render ``source`` in one call."""
    return Template(source).render(context)
