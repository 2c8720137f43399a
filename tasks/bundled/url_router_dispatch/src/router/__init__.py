"""Route HTTP requests to handlers by method and URL pattern.

:mod:`router.patterns` compiles patterns like ``/users/<int:user_id>``;
:mod:`router.routing` holds the routes and dispatches requests.
"""

from router.patterns import Pattern, compile_pattern
from router.routing import MethodNotAllowed, NotFound, Router

__all__ = ["MethodNotAllowed", "NotFound", "Pattern", "Router", "compile_pattern"]
