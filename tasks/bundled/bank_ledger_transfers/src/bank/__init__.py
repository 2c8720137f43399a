"""A tiny bank: accounts with integer-cent balances and a ledger holding them.

:mod:`bank.account` defines a single account and its history; :mod:`bank.ledger`
manages several accounts, transfers between them, interest and statements.
"""

from bank.account import Account, InsufficientFunds
from bank.ledger import Ledger

__all__ = [
    "Account",
    "InsufficientFunds",
    "Ledger",
]

__version__ = "1.2.0"
