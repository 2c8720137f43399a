"""A ledger of accounts: transfers, monthly interest and statements."""

from bank.account import Account, HistoryEntry


class Ledger:
    """Accounts indexed by id, with operations that span several accounts."""

    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}

    def open_account(self, account_id: str, owner: str, balance_cents: int = 0) -> Account:
        """Create, store and return a new account."""
        if account_id in self._accounts:
            raise ValueError(f"account {account_id!r} already exists")
        account = Account(owner, balance_cents)
        self._accounts[account_id] = account
        return account

    def account(self, account_id: str) -> Account:
        """Return the account with ``account_id`` (KeyError if there is none)."""
        return self._accounts[account_id]

    def total_cents(self) -> int:
        """Return the sum of all balances."""
        return sum(account.balance_cents for account in self._accounts.values())

    def transfer(self, source_id: str, target_id: str, amount_cents: int) -> None:
        """Move ``amount_cents`` from one account to another, all or nothing."""
        source = self.account(source_id)
        target = self.account(target_id)
        if source is target:
            raise ValueError("cannot transfer to the same account")
        target.deposit(amount_cents, kind=f"transfer from {source_id}")
        source.withdraw(amount_cents, kind=f"transfer to {target_id}")

    def apply_interest(self, rate_percent: float) -> None:
        """Credit interest to every account, rounded to the nearest cent."""
        if rate_percent < 0:
            raise ValueError("interest rate must not be negative")
        for account in self._accounts.values():
            interest = round(account.balance_cents * rate_percent / 100)
            if interest > 0:
                account.deposit(interest, kind="interest")

    def statement(self, account_id: str) -> list[HistoryEntry]:
        """Return the account's history followed by its current balance."""
        account = self.account(account_id)
        lines = account.history
        lines.append(("balance", account.balance_cents))
        return lines
