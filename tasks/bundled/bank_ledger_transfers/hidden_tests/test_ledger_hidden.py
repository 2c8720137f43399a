import pytest

from bank import Account, InsufficientFunds, Ledger


def make_ledger():
    ledger = Ledger()
    ledger.open_account("A", "Alice", 10_000)
    ledger.open_account("B", "Bob", 500)
    return ledger


def test_failed_transfer_changes_no_history():
    ledger = make_ledger()
    with pytest.raises(InsufficientFunds):
        ledger.transfer("B", "A", 501)
    assert ledger.account("A").history == []
    assert ledger.account("B").history == []
    assert ledger.total_cents() == 10_500


def test_transfer_records_both_sides():
    ledger = make_ledger()
    ledger.transfer("B", "A", 500)
    assert ledger.account("B").history == [("transfer to A", -500)]
    assert ledger.account("A").history == [("transfer from B", 500)]
    assert ledger.account("B").balance_cents == 0


def test_invalid_transfers_change_nothing():
    ledger = make_ledger()
    for args, error in [(("A", "B", 0), ValueError), (("A", "B", -5), ValueError), (("A", "A", 5), ValueError),
                        (("A", "Z", 5), KeyError), (("Z", "A", 5), KeyError), (("A", "B", 1.5), ValueError)]:
        with pytest.raises(error):
            ledger.transfer(*args)
    assert ledger.account("A").balance_cents == 10_000
    assert ledger.account("B").balance_cents == 500
    assert ledger.account("A").history == [] and ledger.account("B").history == []


def test_money_is_conserved_over_many_transfers():
    ledger = Ledger()
    for index, balance in enumerate([300, 0, 1_000, 50]):
        ledger.open_account(f"acc{index}", f"owner{index}", balance)
    for step in range(60):
        source, target = f"acc{step % 4}", f"acc{(step * 3 + 1) % 4}"
        if source == target:
            continue
        try:
            ledger.transfer(source, target, 37 + step * 11)
        except InsufficientFunds:
            pass
        assert ledger.total_cents() == 1_350


def test_interest_rounding_halves_up():
    ledger = Ledger()
    for account_id, balance in [("a", 50), ("b", 150), ("c", 250), ("d", 49), ("e", 0), ("f", 12_345)]:
        ledger.open_account(account_id, account_id, balance)
    ledger.apply_interest(1)
    balances = {key: ledger.account(key).balance_cents for key in "abcdef"}
    assert balances == {"a": 51, "b": 152, "c": 253, "d": 49, "e": 0, "f": 12_468}
    assert ledger.account("a").history == [("interest", 1)]
    assert ledger.account("d").history == []
    assert ledger.account("e").history == []


def test_interest_with_fractional_rate():
    ledger = Ledger()
    ledger.open_account("x", "X", 12_345)
    ledger.open_account("y", "Y", 1_000)
    ledger.apply_interest(1.5)
    assert ledger.account("x").balance_cents == 12_345 + 185
    assert ledger.account("y").balance_cents == 1_015
    with pytest.raises(ValueError):
        ledger.apply_interest(-1)


def test_statement_does_not_change_history():
    ledger = make_ledger()
    ledger.transfer("A", "B", 100)
    first = ledger.statement("B")
    second = ledger.statement("B")
    assert first == second == [("transfer from A", 100), ("balance", 600)]
    assert ledger.account("B").history == [("transfer from A", 100)]


def test_history_is_a_snapshot():
    account = Account("Dora", 100)
    account.withdraw(40)
    snapshot = account.history
    snapshot.append(("forged", 1_000))
    snapshot.clear()
    assert account.history == [("withdrawal", -40)]
    assert account.balance_cents == 60


def test_account_validation():
    with pytest.raises(ValueError):
        Account("Eve", -1)
    account = Account("Eve", 10)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError):
            account.deposit(bad)
    with pytest.raises(InsufficientFunds):
        account.withdraw(11)
    assert account.balance_cents == 10 and account.history == []


def test_duplicate_account_id():
    ledger = make_ledger()
    with pytest.raises(ValueError):
        ledger.open_account("A", "Another Alice")
