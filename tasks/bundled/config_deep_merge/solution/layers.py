"""Merge nested configuration dicts layer by layer."""

import copy
from typing import Any


class _Delete:
    """Marker: a key set to DELETE in an override is removed from the result."""

    def __repr__(self) -> str:
        return "DELETE"

    def __copy__(self) -> "_Delete":
        return self

    def __deepcopy__(self, memo: dict) -> "_Delete":
        return self


DELETE = _Delete()

Config = dict[str, Any]


def deep_merge(base: Config, override: Config) -> Config:
    """Return a new dict: ``base`` updated recursively with ``override``.

    Everything the result holds is a fresh copy, so the result and the inputs can
    be changed independently afterwards.
    """
    result = {key: copy.deepcopy(value) for key, value in base.items()}
    for key, value in override.items():
        if value is DELETE:
            result.pop(key, None)
        elif isinstance(value, dict):
            # Merging into an empty dict also strips DELETE markers from new subtrees.
            current = result.get(key)
            result[key] = deep_merge(current if isinstance(current, dict) else {}, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def merge_layers(*layers: Config) -> Config:
    """Merge the layers from left to right; later layers win."""
    result: Config = {}
    for layer in layers:
        result = deep_merge(result, layer)
    return result


def flatten(config: Config, sep: str = ".", _prefix: str = "") -> dict[str, Any]:
    """Return ``{"a.b.c": value}`` for every non-dict value of a nested dict."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{_prefix}{sep}{key}" if _prefix else key
        if isinstance(value, dict) and value:
            flat.update(flatten(value, sep, name))
        else:
            flat[name] = value
    return flat
