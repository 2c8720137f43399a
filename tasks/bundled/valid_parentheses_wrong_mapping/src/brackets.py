"""Check that round, square and curly brackets in a text are balanced."""

CLOSING_TO_OPENING = {")": "(", "]": "{", "}": "["}
OPENING = set(CLOSING_TO_OPENING.values())


def first_error(text: str) -> int:
    """Return the index of the first bracket that breaks the balance, or -1.

    A closing bracket that does not match the most recent unclosed opening
    bracket is an error at its own position. If the text ends while some
    brackets are still open, the earliest unclosed opening bracket is reported.
    Characters that are not brackets are ignored.
    """
    stack: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        if char in OPENING:
            stack.append((char, index))
        elif char in CLOSING_TO_OPENING:
            if not stack:
                return index
            opener, _ = stack.pop()
            if opener != CLOSING_TO_OPENING[char]:
                return index
    if stack:
        return stack[0][1]
    return -1


def is_balanced(text: str) -> bool:
    """Return True if every bracket in ``text`` is closed in the right order."""
    return first_error(text) == -1
