"""Small string helpers: reversing text and words, palindrome checks."""


def reverse_string(text: str) -> str:
    """Return ``text`` with its characters in reverse order.

    The characters are swapped in place in a list, walking two indexes
    towards each other from both ends.
    """
    chars = list(text)
    left, right = 0, len(chars) - 1
    while left < right:
        chars[left], chars[right] = chars[right], chars[left]
        left += 1
        right -= 1
    return "".join(chars)


def is_palindrome(text: str) -> bool:
    """Return True if ``text`` reads the same backwards.

    Case is ignored and only letters and digits are compared.
    """
    cleaned = "".join(char.lower() for char in text if char.isalnum())
    return cleaned == reverse_string(cleaned)


def reverse_words(sentence: str) -> str:
    """Return the words of ``sentence`` in reverse order, joined by single spaces."""
    return " ".join(reversed(sentence.split()))
