"""Exceptions raised by the billing engine."""


class BillingError(Exception):
    """Base class: anything the engine refuses to bill."""


class UnknownPlan(BillingError, KeyError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"no plan with code {self.code!r}"


class InvalidChange(BillingError, ValueError):
    """A seat or plan change that does not fit the subscription (before it started, after it ended...)."""


class CurrencyMismatch(BillingError, ValueError):
    def __init__(self, left: str, right: str):
        super().__init__(f"cannot combine amounts in {left} and {right}")
        self.left = left
        self.right = right
