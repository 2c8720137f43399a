"""How far a failing test is from the changed function, by name in a static call graph (pure).

Nodes are functions by name; an edge goes from a function to every name it calls (`f(...)`,
`obj.f(...)`), so the distance is an estimate (dynamic dispatch and aliases are not followed).
1 means the test calls the function itself; None means no path was found.
"""

from __future__ import annotations

import ast
from collections import deque

from tasks.synthesis.parsing import parse


def _calls(files: dict[str, str]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for text in files.values():
        try:
            tree = parse(text)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                called = graph.setdefault(node.name, set())
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call):
                        func = inner.func
                        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                        if name:
                            called.add(name)
                    elif isinstance(inner, ast.BinOp | ast.Compare):
                        called.add("__dunder__")  # operators reach every dunder method
                if isinstance(node, ast.ClassDef):
                    called.add("__init__")
    for name in list(graph):
        if name.startswith("__") and name.endswith("__"):
            graph.setdefault("__dunder__", set()).add(name)
    return graph


def distance(sources: dict[str, str], tests: dict[str, str], test_function: str, target_function: str) -> int | None:
    """Calls from test_function to target_function (the last part of a qualified name)."""
    graph = _calls({**sources, **tests})
    target = target_function.rsplit(".", 1)[-1]
    seen = {test_function}
    queue = deque([(test_function, 0)])
    while queue:
        name, hops = queue.popleft()
        if name == target and hops:
            return hops
        for callee in graph.get(name, ()):
            if callee not in seen:
                seen.add(callee)
                queue.append((callee, hops + 1))
    return None
