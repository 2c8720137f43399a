"""A small project of a user's, written to a directory: a package (`shopcart/`), its tests, a
dependency declared in pyproject.toml (toolz, which the tests use) and a bug one test shows:
an order of exactly the discount threshold gets no discount. Used by project_session.py and the
tests of project episodes (tests/test_projects.py).

    python client_examples/sample_project.py DIR     # write it to DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

BUGGY = "    if subtotal > DISCOUNT_THRESHOLD:"
FIXED = "    if subtotal >= DISCOUNT_THRESHOLD:"

FILES = {
    "pyproject.toml": """\
[project]
name = "shopcart"
version = "0.1.0"
dependencies = ["toolz>=0.12"]

[tool.pytest.ini_options]
testpaths = ["tests"]
""",
    ".gitignore": "*.log\nbuild/\n.env\n",
    "README.md": "# shopcart\n\nA shopping cart's pricing rules.\n",
    "shopcart/__init__.py": "from shopcart.pricing import order_total\n\n__all__ = [\"order_total\"]\n",
    "shopcart/pricing.py": f'''\
"""Order totals: line items summed, then 10% off orders of DISCOUNT_THRESHOLD or more."""

from toolz import pluck

DISCOUNT_THRESHOLD = 100
DISCOUNT = 0.10


def subtotal_of(items):
    return sum(price * qty for price, qty in zip(pluck("price", items), pluck("qty", items)))


def order_total(items):
    subtotal = subtotal_of(items)
{BUGGY}
        return round(subtotal * (1 - DISCOUNT), 2)
    return subtotal
''',
    "tests/__init__.py": "",
    "tests/test_pricing.py": '''\
from toolz import concat

from shopcart import order_total


def items(*pairs):
    return [{"price": p, "qty": q} for p, q in pairs]


def test_small_order_pays_full_price():
    assert order_total(items((10, 2), (5, 1))) == 25


def test_large_order_gets_discount():
    assert order_total(items((60, 2))) == 108


def test_order_at_threshold_gets_discount():
    assert order_total(items((50, 1), (25, 2))) == 90


def test_items_from_several_carts():
    carts = [items((30, 1)), items((20, 1))]
    assert order_total(list(concat(carts))) == 50
''',
}
# Written too, and never copied: ignored by .gitignore, VCS internals, a virtualenv, a cache, binary.
NOT_COPIED = {
    "debug.log": b"server log\n",
    ".env": b"SECRET_TOKEN=do-not-copy\n",
    "build/out.txt": b"built\n",
    ".git/config": b"[core]\n",
    ".venv/pyvenv.cfg": b"home = /usr/bin\n",
    ".venv/lib/site.py": b"x = 1\n",
    "shopcart/__pycache__/pricing.cpython-311.pyc": b"\x00\x01",
    "docs/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
}


def write_sample_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    for path, data in NOT_COPIED.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root


if __name__ == "__main__":
    print(write_sample_project(Path(sys.argv[1])))
