"""Nested dicts -> attrs classes. Every error carries the dotted path of the value at fault."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from svcconf.errors import ConfigError

T = TypeVar("T")


def _field_map(cls: type) -> dict[str, attrs.Attribute]:
    return {f.name: f for f in attrs.fields(cls)}


def structure(cls: type[T], data: Any, path: str = "") -> T:
    if not isinstance(data, dict):
        raise ConfigError(f"expected a table, got {type(data).__name__}", path)
    fields = _field_map(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        allowed = ", ".join(sorted(fields))
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise ConfigError(f"unknown key (allowed here: {allowed})", where)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        f = fields[key]
        sub_path = f"{path}.{key}" if path else key
        if "nested" in f.metadata:
            kwargs[key] = structure(f.metadata["nested"], value, sub_path)
        elif "mapping_of" in f.metadata:
            if not isinstance(value, dict):
                raise ConfigError("expected a table of tables", sub_path)
            item_cls = f.metadata["mapping_of"]
            kwargs[key] = {
                item_name: structure(item_cls, {"name": item_name, **item}, f"{sub_path}.{item_name}")
                if isinstance(item, dict)
                else _not_a_table(f"{sub_path}.{item_name}")
                for item_name, item in value.items()
            }
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except TypeError as exc:
        missing = [name for name, f in _field_map(cls).items() if f.default is attrs.NOTHING and name not in kwargs]
        if missing:
            raise ConfigError(f"missing required key {missing[0]!r}", path) from None
        raise ConfigError(str(exc), path) from None
    except ValueError as exc:
        raise ConfigError(str(exc), path) from None


def _not_a_table(path: str):
    raise ConfigError("expected a table", path)
