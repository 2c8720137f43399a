import random

import pytest

from sheet import CycleError, Sheet


def test_names_are_case_insensitive_and_validated():
    sheet = Sheet()
    sheet.set("b2", 4)
    sheet.set("c3", "=b2 + sum(b2:B2)")
    assert sheet.get("C3") == 8
    assert sheet.formula("c3") == "=b2 + sum(b2:B2)"
    for bad in ("A0", "A100", "AA1", "1A", "", "A"):
        with pytest.raises(ValueError):
            sheet.set(bad, 1)


def test_invalid_contents():
    sheet = Sheet()
    for bad in ("=", "=A1 B1", "=A1 *2", "=SUM(A1)", "abc", "=1 ++ 2", None, [1], True):
        with pytest.raises(ValueError):
            sheet.set("A1", bad)
    assert sheet.get("A1") == 0 and sheet.formula("A1") is None


def test_ranges_in_any_corner_order_and_leading_minus():
    sheet = Sheet()
    for col in "ABC":
        for row in (1, 2):
            sheet.set(f"{col}{row}", ord(col) - 64 + 10 * row)
    sheet.set("D1", "=SUM(C2:A1)")
    sheet.set("D2", "=-SUM(A2:B1) + 0.5")
    assert sheet.get("D1") == 11 + 12 + 13 + 21 + 22 + 23
    assert sheet.get("D2") == -(11 + 12 + 21 + 22) + 0.5


def test_replaced_formula_no_longer_depends_on_old_inputs():
    sheet = Sheet()
    sheet.set("A1", 1)
    sheet.set("A2", 100)
    sheet.set("B1", "=A1")
    sheet.set("B1", "=A2")
    sheet.set("A1", 50)
    assert sheet.get("B1") == 100
    sheet.clear("B1")
    sheet.set("A2", 7)
    assert sheet.get("B1") == 0 and sheet.formula("B1") is None


def test_clear_updates_dependents_and_cycle_after_replacement_is_allowed():
    sheet = Sheet()
    sheet.set("A1", 3)
    sheet.set("B1", "=A1 + 1")
    sheet.clear("A1")
    assert sheet.get("B1") == 1
    sheet.set("A1", "=C1")
    sheet.set("A1", 2)
    sheet.set("C1", "=A1 + B1")
    assert sheet.get("C1") == 5


def test_cycles_leave_the_sheet_unchanged():
    sheet = Sheet()
    sheet.set("A1", 1)
    sheet.set("B1", "=A1 + 1")
    sheet.set("C1", "=SUM(A1:B1)")
    for cell, formula in [("A1", "=C1"), ("A1", "=SUM(B1:C1)"), ("C1", "=C1"), ("B1", "=SUM(A1:C1)"), ("A1", "=-A1")]:
        with pytest.raises(CycleError):
            sheet.set(cell, formula)
    assert sheet.formula("A1") is None and sheet.get("A1") == 1
    assert sheet.formula("B1") == "=A1 + 1"
    assert sheet.formula("C1") == "=SUM(A1:B1)"
    sheet.set("A1", 10)
    assert (sheet.get("B1"), sheet.get("C1")) == (11, 21)


def test_long_chain():
    sheet = Sheet()
    sheet.set("A1", 1)
    for row in range(2, 100):
        sheet.set(f"A{row}", f"=A{row - 1} + 1")
    sheet.set("A1", 1000)
    assert sheet.get("A99") == 1098


def test_layered_sheet_updates_quickly():
    sheet = Sheet()
    sheet.set("A1", 1)
    sheet.set("B1", 2)
    for row in range(2, 60):
        sheet.set(f"A{row}", f"=A{row - 1} + B{row - 1}")
        sheet.set(f"B{row}", f"=A{row - 1} - B{row - 1}")
    sheet.set("A1", 3)
    a, b = 3, 2
    for _ in range(2, 60):
        a, b = a + b, a - b
    assert (sheet.get("A59"), sheet.get("B59")) == (a, b)


def reference_values(contents):
    values = {}

    def value(cell):
        if cell in values:
            return values[cell]
        content = contents.get(cell)
        if isinstance(content, tuple):
            result = sum(sign * (value(term) if isinstance(term, str) else term) for sign, term in content)
        else:
            result = content or 0
        values[cell] = result
        return result

    return value


def creates_cycle(contents, cell, terms):
    stack, seen = [t for _, t in terms if isinstance(t, str)], set()
    while stack:
        current = stack.pop()
        if current == cell:
            return True
        if current in seen:
            continue
        seen.add(current)
        content = contents.get(current)
        if isinstance(content, tuple):
            stack += [t for _, t in content if isinstance(t, str)]
    return False


def test_random_edits_against_full_recalculation():
    rng = random.Random(9001)
    cells = [f"{col}{row}" for col in "ABCD" for row in range(1, 5)]
    sheet, contents = Sheet(), {}
    for step in range(1500):
        cell = rng.choice(cells)
        roll = rng.random()
        if roll < 0.3:
            number = rng.randrange(-20, 20)
            sheet.set(cell, number)
            contents[cell] = number
        elif roll < 0.4:
            sheet.clear(cell)
            contents.pop(cell, None)
        else:
            terms = [(rng.choice([1, -1]), rng.choice(cells + [rng.randrange(10)])) for _ in range(rng.randrange(1, 4))]
            text = "=" + " ".join(f"{'-' if sign < 0 else '+'} {term}" for sign, term in terms)
            if creates_cycle(contents, cell, terms):
                with pytest.raises(CycleError):
                    sheet.set(cell, text)
            else:
                sheet.set(cell, text)
                contents[cell] = tuple(terms)
        value = reference_values(contents)
        for name in cells:
            assert sheet.get(name) == value(name), (step, name)
