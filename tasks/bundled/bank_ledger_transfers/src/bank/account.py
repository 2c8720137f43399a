"""A single bank account with a balance in cents and a history of entries."""

HistoryEntry = tuple[str, int]


class InsufficientFunds(ValueError):
    """Raised when a withdrawal is larger than the balance."""


def _check_amount(amount_cents: int) -> None:
    """Reject amounts that are not positive whole numbers of cents."""
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise ValueError(f"amount must be a positive number of cents, got {amount_cents!r}")


class Account:
    """An account owned by ``owner`` whose balance is kept in whole cents."""

    def __init__(self, owner: str, balance_cents: int = 0) -> None:
        if balance_cents < 0:
            raise ValueError("opening balance must not be negative")
        self.owner = owner
        self.balance_cents = balance_cents
        self._history: list[HistoryEntry] = []

    def deposit(self, amount_cents: int, kind: str = "deposit") -> None:
        """Add ``amount_cents`` to the balance and record it."""
        _check_amount(amount_cents)
        self.balance_cents += amount_cents
        self._history.append((kind, amount_cents))

    def withdraw(self, amount_cents: int, kind: str = "withdrawal") -> None:
        """Take ``amount_cents`` from the balance and record it as negative."""
        _check_amount(amount_cents)
        if amount_cents > self.balance_cents:
            raise InsufficientFunds(f"{self.owner} has only {self.balance_cents} cents")
        self.balance_cents -= amount_cents
        self._history.append((kind, -amount_cents))

    @property
    def history(self) -> list[HistoryEntry]:
        """The recorded entries, oldest first."""
        return self._history
