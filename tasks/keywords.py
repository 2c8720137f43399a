"""pytest's `-k` grammar, checked on the host: an expression pytest cannot parse is a usage error
inside the sandbox, which ends the run before any test and reads as if every test had been cut off.
The grammar is pytest's (_pytest/mark/expression.py, which is not public API), without the
keyword arguments that only `-m` takes:

    expression: expr EOF;  expr: and_expr ('or' and_expr)*;  and_expr: not_expr ('and' not_expr)*
    not_expr: 'not' not_expr | '(' expr ')' | ident;  ident: (\\w|:|+|-|.|[|]|\\\\|/)+

Pure: no I/O.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"\s*(?:(\()|(\))|((?:\w|[:+\-.\[\]\\/])+)|(\S))")
RESERVED = {"and", "or", "not"}


class _Syntax(Exception):
    pass


def keyword_problem(expression: str) -> str | None:
    """Why pytest's -k would refuse `expression` (None when it parses)."""
    tokens: list[str] = []
    for match in TOKEN.finditer(expression):
        lparen, rparen, ident, other = match.groups()
        if other is not None:
            return f"{other!r} at column {match.start(4) + 1} is not part of a -k expression (names, and, or, not, parentheses)"
        tokens.append(lparen or rparen or ident)
    if not tokens:
        return "it is empty"
    position = 0

    def take(expected: str | None = None) -> str:
        nonlocal position
        token = tokens[position] if position < len(tokens) else None
        if token is None or (expected is not None and token != expected):
            raise _Syntax(f"expected {expected or 'a name'} {'at the end' if token is None else f'before {token!r}'}")
        position += 1
        return token

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def expr(depth: int) -> None:
        if depth > 100:
            raise _Syntax("it nests too deeply")
        and_expr(depth)
        while peek() == "or":
            take()
            and_expr(depth)

    def and_expr(depth: int) -> None:
        not_expr(depth)
        while peek() == "and":
            take()
            not_expr(depth)

    def not_expr(depth: int) -> None:
        token = peek()
        if token == "not":
            take()
            not_expr(depth + 1)
        elif token == "(":
            take()
            expr(depth + 1)
            take(")")
        elif token is None or token == ")" or token in RESERVED:
            raise _Syntax(f"expected a name {'at the end' if token is None else f'before {token!r}'}")
        else:
            take()

    try:
        expr(0)
        if position < len(tokens):
            raise _Syntax(f"{tokens[position]!r} follows a complete expression (join names with and / or)")
    except _Syntax as exc:
        return str(exc)
    return None
