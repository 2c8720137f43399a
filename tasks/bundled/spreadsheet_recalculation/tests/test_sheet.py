import pytest

from sheet import CycleError, Sheet


def test_numbers_and_formulas():
    sheet = Sheet()
    sheet.set("A1", 2)
    sheet.set("A2", "3.5")
    sheet.set("B1", "=A1 + A2 - 1")
    assert sheet.get("B1") == 4.5
    assert sheet.get("C9") == 0


def test_sum_and_chained_update():
    sheet = Sheet()
    for row, value in enumerate([1, 2, 3], start=1):
        sheet.set(f"A{row}", value)
    sheet.set("B1", "=SUM(A1:A3)")
    sheet.set("C1", "=B1 + B1")
    sheet.set("A2", 20)
    assert sheet.get("B1") == 24
    assert sheet.get("C1") == 48


def test_formula_replaced_by_number():
    sheet = Sheet()
    sheet.set("A1", 1)
    sheet.set("B1", "=A1")
    sheet.set("B1", 7)
    sheet.set("A1", 5)
    assert sheet.get("B1") == 7


def test_cycle_is_rejected():
    sheet = Sheet()
    sheet.set("A1", "=B1")
    with pytest.raises(CycleError):
        sheet.set("B1", "=A1 + 1")
    assert sheet.formula("B1") is None


def test_self_reference_is_rejected():
    sheet = Sheet()
    with pytest.raises(CycleError):
        sheet.set("A1", "=A1 + 1")


def test_edit_at_the_top_of_a_layered_sheet():
    sheet = Sheet()
    sheet.set("A1", 1)
    sheet.set("B1", 1)
    for row in range(2, 41):
        sheet.set(f"A{row}", f"=A{row - 1} + B{row - 1}")
        sheet.set(f"B{row}", f"=A{row - 1}")
    sheet.set("A1", 2)
    assert sheet.get("A40") == 267_914_296
