"""Split result lists into numbered pages."""

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def _check(total_items: int, per_page: int) -> None:
    if not isinstance(per_page, int) or per_page < 1:
        raise ValueError(f"per_page must be a positive integer, got {per_page!r}")
    if total_items < 0:
        raise ValueError(f"total_items must not be negative, got {total_items!r}")


def page_count(total_items: int, per_page: int) -> int:
    """Return the number of pages needed to show ``total_items`` items."""
    _check(total_items, per_page)
    return (total_items + per_page - 1) // per_page


def get_page(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """Return the items on the 1-based ``page``."""
    pages = page_count(len(items), per_page)
    if page != 1 and not 1 <= page <= pages:
        raise ValueError(f"page {page} does not exist (there are {pages} pages)")
    start = (page - 1) * per_page
    return list(items[start : start + per_page])


def page_label(page: int, total_items: int, per_page: int) -> str:
    """Return a caption like ``"items 11-20 of 45"`` for the 1-based ``page``."""
    pages = page_count(total_items, per_page)
    if page != 1 and not 1 <= page <= pages:
        raise ValueError(f"page {page} does not exist (there are {pages} pages)")
    if total_items == 0:
        return "items 0-0 of 0"
    first = (page - 1) * per_page + 1
    last = min(page * per_page, total_items)
    return f"items {first}-{last} of {total_items}"
