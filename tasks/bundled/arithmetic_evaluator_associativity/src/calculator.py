"""Evaluate arithmetic expressions with a small recursive-descent parser.

Grammar: expression := term (("+" | "-") term)*, term := factor (("*" | "/") factor)*,
factor := ("+" | "-") factor | NUMBER | "(" expression ")".
"""

import re

Number = int | float
TOKEN_PATTERN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(.))")


def tokenize(expression: str) -> list[Number | str]:
    """Split ``expression`` into numbers and one-character operator tokens."""
    tokens: list[Number | str] = []
    for number, symbol in TOKEN_PATTERN.findall(expression.rstrip()):
        if number:
            tokens.append(float(number) if "." in number else int(number))
        elif symbol in "+-*/()":
            tokens.append(symbol)
        else:
            raise ValueError(f"unexpected character {symbol!r}")
    return tokens


class _Parser:
    """Parse and evaluate a token list in a single pass."""

    def __init__(self, tokens: list[Number | str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> Number | str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def advance(self) -> Number | str:
        token = self.peek()
        if token is None:
            raise ValueError("unexpected end of expression")
        self.position += 1
        return token

    def expression(self) -> Number:
        left = self.term()
        if self.peek() in ("+", "-"):
            operator = self.advance()
            right = self.expression()
            return left + right if operator == "+" else left - right
        return left

    def term(self) -> Number:
        left = self.factor()
        if self.peek() in ("*", "/"):
            operator = self.advance()
            right = self.term()
            return left * right if operator == "*" else left / right
        return left

    def factor(self) -> Number:
        token = self.advance()
        if token in ("+", "-"):
            value = self.factor()
            return value if token == "+" else -value
        if token == "(":
            value = self.expression()
            if self.advance() != ")":
                raise ValueError("expected ')'")
            return value
        if isinstance(token, str):
            raise ValueError(f"unexpected token {token!r}")
        return token


def evaluate(expression: str) -> Number:
    """Return the value of the arithmetic ``expression``."""
    parser = _Parser(tokenize(expression))
    return parser.expression()
