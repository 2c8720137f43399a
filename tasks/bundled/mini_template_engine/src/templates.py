"""A small template engine: ``{{ path | filter }}``, ``{% if %}``, ``{% for %}`` and comments."""

from typing import Any


class TemplateError(ValueError):
    """A template has invalid syntax or refers to something that does not exist."""


class Template:
    """A parsed template that can be rendered with different contexts."""

    def __init__(self, source: str) -> None:
        """Parse ``source``; raise TemplateError for any syntax error."""
        raise NotImplementedError

    def render(self, context: dict[str, Any]) -> str:
        """Return the template's output for the values in ``context``."""
        raise NotImplementedError


def render(source: str, context: dict[str, Any]) -> str:
    """Parse and render ``source`` in one call."""
    return Template(source).render(context)
