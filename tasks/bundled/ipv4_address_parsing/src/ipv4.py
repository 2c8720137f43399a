"""Parse, validate and convert IPv4 addresses in dotted-decimal notation."""


def parse_ipv4(text: str) -> tuple[int, int, int, int]:
    """Return the four octets of ``text``; raise ValueError if it is not an address.

    >>> parse_ipv4("192.168.0.1")
    (192, 168, 0, 1)
    """
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError(f"expected four dot-separated parts in {text!r}")
    octets = []
    for part in parts:
        try:
            value = int(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a number in {text!r}") from None
        if not 0 <= value <= 255:
            raise ValueError(f"{part!r} is out of range in {text!r}")
        octets.append(value)
    return tuple(octets)


def is_valid_ipv4(text: str) -> bool:
    """Return True if ``text`` is a valid dotted-decimal IPv4 address."""
    try:
        parse_ipv4(text)
    except ValueError:
        return False
    return True


def ipv4_to_int(text: str) -> int:
    """Return the address as a 32-bit unsigned integer."""
    number = 0
    for octet in parse_ipv4(text):
        number = number * 256 + octet
    return number


def int_to_ipv4(number: int) -> str:
    """Return the dotted-decimal form of a 32-bit unsigned integer."""
    if not 0 <= number <= 2**32:
        raise ValueError(f"{number} is not a 32-bit address")
    octets = [(number >> shift) & 0xFF for shift in (24, 16, 8, 0)]
    return ".".join(str(octet) for octet in octets)
