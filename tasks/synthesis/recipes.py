"""Which packages synthesis uses, and how: the pinned default pack and per-package choices.

A recipe names an exact version (synthesis is reproducible only from fixed sources), which test
files to run (globs relative to the sdist root; short suites keep synthesis and `tasks check`
fast) and which modules may receive bugs (globs relative to the import root).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    requirement: str  # NAME==VERSION
    tests: tuple[str, ...] = ("tests/test_*.py", "test/test_*.py", "test_*.py")
    modules: tuple[str, ...] = ()  # default: every module of the package
    shape: str = ""  # what kind of code it is, for docs and tags

    @property
    def name(self) -> str:
        return self.requirement.split("==")[0]


# Permissively licensed pure-Python packages whose sdists ship their tests, of different shapes.
DEFAULT_RECIPES: tuple[Recipe, ...] = (
    Recipe("inflection==0.5.1", tests=("test_inflection.py",), shape="string utility (one module)"),
    Recipe("parse==1.22.4", tests=("tests/test_*.py",), shape="format-string parser"),
    Recipe(
        "python-dateutil==4.0.0",
        tests=("tests/test_relativedelta.py", "tests/test_easter.py", "tests/test_isoparser.py"),
        modules=("dateutil/relativedelta.py", "dateutil/easter.py", "dateutil/parser/isoparser.py", "dateutil/_common.py"),
        shape="date library with a dependency (tzdata)",
    ),
    Recipe(
        "humanize==4.17.0",
        tests=("tests/test_number.py", "tests/test_filesize.py", "tests/test_lists.py"),
        modules=("humanize/number.py", "humanize/filesize.py", "humanize/lists.py"),
        shape="text formatting library (a package of modules)",
    ),
)

# Tasks per package in the default pack: enough that the pack holds >= 150 valid tasks.
DEFAULT_COUNT = 45
DEFAULT_SEED = 19


def recipe_for(requirement: str) -> Recipe:
    """The default recipe of a pinned package, or a plain one (every test file, every module)."""
    for recipe in DEFAULT_RECIPES:
        if recipe.requirement.lower() == requirement.lower():
            return recipe
    return Recipe(requirement)
