"""A small spreadsheet: numbers and ``=A1 + SUM(B1:B3) - 2`` formulas with live recalculation."""

import re
from dataclasses import dataclass

Number = int | float

_CELL = re.compile(r"([A-Z])([1-9][0-9]?)")
_TERM = re.compile(
    r"\s*([+-])?\s*(?:SUM\(\s*([A-Z][0-9]{1,2})\s*:\s*([A-Z][0-9]{1,2})\s*\)|([A-Z][0-9]{1,2})|([0-9]+(?:\.[0-9]+)?))\s*"
)


class CycleError(ValueError):
    """A formula would make a cell depend on itself."""


@dataclass(frozen=True)
class Formula:
    """A parsed formula: signed terms, each a number or a list of cells to add up."""

    text: str
    terms: tuple[tuple[int, Number | tuple[str, ...]], ...]

    @property
    def references(self) -> frozenset[str]:
        """Every cell the formula reads."""
        cells: set[str] = set()
        for _, term in self.terms:
            if isinstance(term, tuple):
                cells.update(term)
        return frozenset(cells)


def cell_name(name: str) -> str:
    """Return the canonical (upper-case) name of a cell; ValueError if invalid."""
    canonical = name.strip().upper()
    if not _CELL.fullmatch(canonical):
        raise ValueError(f"invalid cell name {name!r}")
    return canonical


def _cells_between(first: str, second: str) -> tuple[str, ...]:
    (col_a, row_a), (col_b, row_b) = _CELL.fullmatch(cell_name(first)).groups(), _CELL.fullmatch(cell_name(second)).groups()
    cols = range(min(ord(col_a), ord(col_b)), max(ord(col_a), ord(col_b)) + 1)
    rows = range(min(int(row_a), int(row_b)), max(int(row_a), int(row_b)) + 1)
    return tuple(f"{chr(col)}{row}" for col in cols for row in rows)


def parse_formula(text: str) -> Formula:
    """Parse ``=term +/- term ...``; raise ValueError if the text is not a formula."""
    body = text[1:].upper() if text.startswith("=") else None
    if not body or not body.strip():
        raise ValueError(f"invalid formula {text!r}")
    terms = []
    position = 0
    while position < len(body):
        match = _TERM.match(body, position)
        if match is None or match.end() == position:
            raise ValueError(f"invalid formula {text!r}")
        sign_text, range_start, range_end, single, number = match.groups()
        if sign_text is None and terms:
            raise ValueError(f"missing operator in formula {text!r}")
        sign = -1 if sign_text == "-" else 1
        if range_start:
            terms.append((sign, _cells_between(range_start, range_end)))
        elif single:
            terms.append((sign, (cell_name(single),)))
        else:
            terms.append((sign, float(number) if "." in number else int(number)))
        position = match.end()
    return Formula(text, tuple(terms))


def _parse_number(text: str) -> Number:
    try:
        return int(text)
    except ValueError:
        return float(text)


class Sheet:
    """Cells holding numbers or formulas; formula values are kept up to date."""

    def __init__(self) -> None:
        self._numbers: dict[str, Number] = {}
        self._formulas: dict[str, Formula] = {}
        self._values: dict[str, Number] = {}
        self._dependents: dict[str, set[str]] = {}

    def get(self, cell: str) -> Number:
        """The current value of ``cell`` (0 when it is empty)."""
        return self._values.get(cell_name(cell), 0)

    def formula(self, cell: str) -> str | None:
        """The formula text of ``cell``, or None if it holds no formula."""
        found = self._formulas.get(cell_name(cell))
        return found.text if found else None

    def set(self, cell: str, content: Number | str) -> None:
        """Store a number or a formula in ``cell`` and update every value that depends on it."""
        cell = cell_name(cell)
        if isinstance(content, str) and content.startswith("="):
            formula = parse_formula(content)
            if any(ref == cell or self._reaches(ref, cell) for ref in formula.references):
                raise CycleError(f"{cell} would depend on itself")
            self._unlink(cell)
            self._formulas[cell] = formula
            self._numbers.pop(cell, None)
            for ref in formula.references:
                self._dependents.setdefault(ref, set()).add(cell)
            self._values[cell] = self._evaluate(cell)
        else:
            if isinstance(content, bool) or not isinstance(content, (int, float, str)):
                raise ValueError(f"unsupported content {content!r}")
            number = _parse_number(content) if isinstance(content, str) else content
            self._unlink(cell)
            self._numbers[cell] = number
            self._values[cell] = number
        self._update_dependents(cell)

    def clear(self, cell: str) -> None:
        """Empty ``cell``."""
        cell = cell_name(cell)
        self._unlink(cell)
        self._numbers.pop(cell, None)
        self._values.pop(cell, None)
        self._update_dependents(cell)

    def _unlink(self, cell: str) -> None:
        """Remove the formula of ``cell`` and its entries in the dependents index."""
        old = self._formulas.pop(cell, None)
        if old is not None:
            for ref in old.references:
                self._dependents[ref].discard(cell)

    def _reaches(self, start: str, target: str) -> bool:
        """Whether ``start``'s formula reads ``target``, directly or through other formulas."""
        stack, seen = [start], {start}
        while stack:
            current = self._formulas.get(stack.pop())
            if current is None:
                continue
            for ref in current.references:
                if ref == target:
                    return True
                if ref not in seen:
                    seen.add(ref)
                    stack.append(ref)
        return False

    def _evaluate(self, cell: str) -> Number:
        """Compute the formula of ``cell`` from the current values of its inputs."""
        total: Number = 0
        for sign, term in self._formulas[cell].terms:
            if isinstance(term, tuple):
                total += sign * sum(self.get(ref) for ref in term)
            else:
                total += sign * term
        return total

    def _update_dependents(self, cell: str) -> None:
        """Recompute every formula that reads ``cell``, directly or indirectly.

        Each affected formula is evaluated exactly once, after all of its affected
        inputs (a topological order of the affected cells), so shared inputs do not
        cause repeated work.
        """
        affected: set[str] = set()
        stack = [cell]
        while stack:
            for dependent in self._dependents.get(stack.pop(), ()):
                if dependent not in affected:
                    affected.add(dependent)
                    stack.append(dependent)
        waiting = {target: len(self._formulas[target].references & affected) for target in affected}
        ready = [target for target, count in waiting.items() if count == 0]
        while ready:
            current = ready.pop()
            self._values[current] = self._evaluate(current)
            for dependent in self._dependents.get(current, ()):
                if dependent in affected:
                    waiting[dependent] -= 1
                    if waiting[dependent] == 0:
                        ready.append(dependent)
