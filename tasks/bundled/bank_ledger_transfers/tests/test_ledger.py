import pytest

from bank import InsufficientFunds, Ledger


def make_ledger():
    ledger = Ledger()
    ledger.open_account("A", "Alice", 10_000)
    ledger.open_account("B", "Bob", 500)
    return ledger


def test_transfer_moves_money():
    ledger = make_ledger()
    ledger.transfer("A", "B", 2_500)
    assert ledger.account("A").balance_cents == 7_500
    assert ledger.account("B").balance_cents == 3_000


def test_failed_transfer_changes_no_balance():
    ledger = make_ledger()
    with pytest.raises(InsufficientFunds):
        ledger.transfer("B", "A", 600)
    assert ledger.account("A").balance_cents == 10_000
    assert ledger.account("B").balance_cents == 500


def test_interest_on_round_balance():
    ledger = make_ledger()
    ledger.apply_interest(1)
    assert ledger.account("A").balance_cents == 10_100


def test_interest_half_cent_rounds_up():
    ledger = Ledger()
    ledger.open_account("C", "Carol", 250)
    ledger.apply_interest(1)
    assert ledger.account("C").balance_cents == 253


def test_statement_lists_history_and_balance():
    ledger = make_ledger()
    ledger.account("B").deposit(100)
    assert ledger.statement("B") == [("deposit", 100), ("balance", 600)]
