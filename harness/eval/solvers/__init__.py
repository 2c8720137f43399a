"""The solver registry. Adding a solver is adding one module to this package: a class derived
from BaseSolver, decorated with @register. Every module here is imported on first lookup."""

from __future__ import annotations

import importlib
import pkgutil

from harness.eval.solvers.base import BaseSolver, EpisodeContext, Solver, token_usage

__all__ = ["BaseSolver", "EpisodeContext", "Solver", "register", "solver_class", "solver_names", "token_usage"]

_REGISTRY: dict[str, type[BaseSolver]] = {}
_NOT_SOLVERS = {"base"}
_discovered = False


def register(cls: type[BaseSolver]) -> type[BaseSolver]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a name")
    _REGISTRY[cls.name] = cls
    return cls


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_SOLVERS:
            importlib.import_module(f"{__name__}.{module.name}")


def solver_names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def solver_class(name: str) -> type[BaseSolver]:
    _discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no solver {name!r}; the solvers are: {', '.join(solver_names())}") from None
