"""A stack that reports its minimum in constant time."""

from typing import Any


class MinStack:
    """LIFO stack with O(1) ``push``, ``pop``, ``peek`` and ``minimum``.

    Besides the values, it keeps a second stack of the minimums seen so far:
    its top is always the smallest value currently on the stack.
    """

    def __init__(self) -> None:
        self._values: list[Any] = []
        self._minimums: list[Any] = []

    def push(self, value: Any) -> None:
        """Put ``value`` on top of the stack."""
        self._values.append(value)
        if not self._minimums or value < self._minimums[-1]:
            self._minimums.append(value)

    def pop(self) -> Any:
        """Remove and return the top value."""
        if not self._values:
            raise IndexError("pop from an empty stack")
        value = self._values.pop()
        if value == self._minimums[-1]:
            self._minimums.pop()
        return value

    def peek(self) -> Any:
        """Return the top value without removing it."""
        if not self._values:
            raise IndexError("peek at an empty stack")
        return self._values[-1]

    def minimum(self) -> Any:
        """Return the smallest value on the stack."""
        if not self._minimums:
            raise IndexError("minimum of an empty stack")
        return self._minimums[-1]

    def __len__(self) -> int:
        return len(self._values)
