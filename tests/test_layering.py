"""The house rules of DESIGN.md's Layout, checked on every import of every product module: imports
point down the floors, the two server front ends never import each other, and neither they nor the
client side reach across to the other (the client side talks to a server only through a protocol).
Also: no product module past ~400 lines but the runner, which must stay one standalone script.
`bench/` and `tests/` stand outside the floors: they measure and test any of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tasks.loader import SHIPPED_PACKS

ROOT = Path(__file__).resolve().parents[1]

# Higher floors may import lower ones; a package's rank is its floor.
FLOORS = {
    "cli": 5,
    "mcp_server": 4,
    "openenv_server": 4,
    "harness": 4,
    "client_examples": 4,
    "environment": 3,
    "tasks": 2,
    "sandbox": 1,
}
FRONT_ENDS = {"mcp_server", "openenv_server"}
CLIENT_SIDE = {"harness", "client_examples"}
# Same floor, but walled off from each other: (importer, imported).
FORBIDDEN_ACROSS = {(a, b) for a in FRONT_ENDS for b in FRONT_ENDS if a != b}
FORBIDDEN_ACROSS |= {(a, b) for a in FRONT_ENDS for b in CLIENT_SIDE} | {(a, b) for a in CLIENT_SIDE for b in FRONT_ENDS}
MAX_LINES = 420  # "~400"
STANDALONE = {"sandbox/runner.py"}  # copied into the sandbox image alone: it cannot import its neighbours


def _in_a_task_pack(path: Path) -> bool:
    """Task code (the shipped packs' programs and tests) is data, not debugbox's own modules."""
    return any(path.is_relative_to(pack) for pack in SHIPPED_PACKS.values())


def product_modules() -> list[Path]:
    modules = []
    for package in FLOORS:
        directory = ROOT / package
        if directory.is_dir():
            modules += [p for p in directory.rglob("*.py") if not _in_a_task_pack(p) and "__pycache__" not in p.parts]
    return sorted(modules)


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(FLOORS)


def test_the_layering_rules_see_every_package():
    assert len(product_modules()) > 50
    assert {p.relative_to(ROOT).parts[0] for p in product_modules()} >= {"cli", "mcp_server", "harness", "environment", "tasks", "sandbox"}


@pytest.mark.parametrize("path", product_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_and_never_across_front_ends(path):
    package = path.relative_to(ROOT).parts[0]
    for imported in imported_packages(path) - {package}:
        assert (package, imported) not in FORBIDDEN_ACROSS, f"{path.relative_to(ROOT)} imports {imported}: across the wall"
        assert FLOORS[imported] < FLOORS[package] or (package in CLIENT_SIDE and imported in CLIENT_SIDE), f"{path.relative_to(ROOT)} ({package}, floor {FLOORS[package]}) imports {imported} (floor {FLOORS[imported]}): upward"


def test_the_engine_knows_no_protocol():
    for path in (ROOT / "environment").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {n for n in names if n.split(".")[0] in ("mcp", "mcp_types", "starlette", "uvicorn", "httpx")}, path


@pytest.mark.parametrize("path", product_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_past_about_400_lines(path):
    relative = str(path.relative_to(ROOT))
    if relative in STANDALONE:
        return
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{relative} has {lines} lines: split it by responsibility"
