"""ast.parse for code that runs in threads.

CPython 3.11 keeps the AST conversion's recursion depth in per-interpreter state: two threads
converting at once (a garbage-collection finalizer can hand over the GIL mid-conversion) fail with a
spurious "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905; seen in CI
when candidates were evaluated in threads while the main thread wrote tasks). Every parse and
compile of synthesis takes turns through this lock.
"""

from __future__ import annotations

import ast
import threading

AST_LOCK = threading.Lock()


def parse(text: str) -> ast.Module:
    with AST_LOCK:
        return ast.parse(text)
