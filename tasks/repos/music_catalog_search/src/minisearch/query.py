"""The query language.

    blue train            both words, each in some field
    "kind of blue"        a phrase: the words adjacent, in order, within one field
    -live                 no document with the word
    artist:davis          the word in that field only (also artist:"miles davis")
    cool OR modal         either (binds tighter than the implicit AND)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from more_itertools import peekable

FIELD_NAMES = ("title", "artist", "body", "tags")


class QuerySyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Clause:
    text: str  # one word, or the words of a phrase
    phrase: bool = False
    field: str | None = None

    def fields(self, all_fields: list[str]) -> list[str]:
        return [self.field] if self.field else list(all_fields)


@dataclass
class Query:
    required: list[list[Clause]] = field(default_factory=list)  # AND of ORs
    excluded: list[Clause] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.required


_LEXEME = re.compile(r'\s*(?:(?P<neg>-)?(?:(?P<field>[a-z]+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))|(?P<bad>"))')


def _lex(text: str):
    pos = 0
    while pos < len(text):
        match = _LEXEME.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip():
                raise QuerySyntaxError(f"cannot read the query from {text[pos:]!r}")
            return
        pos = match.end()
        if match["bad"]:
            raise QuerySyntaxError("unterminated phrase: a \" without its closing \"")
        yield match


def parse_query(text: str) -> Query:
    query = Query()
    lexemes = peekable(_lex(text))
    pending_or = False
    for match in lexemes:
        word = match["word"]
        if word == "OR" and not match["neg"] and not match["field"]:
            if not query.required or not lexemes:
                raise QuerySyntaxError("OR needs a word on each side")
            pending_or = True
            continue
        field_name = match["field"]
        if field_name and field_name not in FIELD_NAMES:
            raise QuerySyntaxError(f"unknown field {field_name!r} (fields: {', '.join(FIELD_NAMES)})")
        phrase = match["phrase"]
        clause = Clause(phrase if phrase is not None else word, phrase is not None, field_name)
        if not clause.text.strip():
            continue
        if match["neg"]:
            if pending_or:
                raise QuerySyntaxError("an excluded word cannot be one side of OR")
            query.excluded.append(clause)
        elif pending_or:
            query.required[-1].append(clause)
            pending_or = False
        else:
            query.required.append([clause])
    if pending_or:
        raise QuerySyntaxError("OR needs a word on each side")
    return query
