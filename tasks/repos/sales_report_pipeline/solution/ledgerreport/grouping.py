"""Records grouped by the values of key columns."""

from __future__ import annotations


def key_of(record: dict, keys: tuple[str, ...]) -> tuple:
    try:
        return tuple(record[k] for k in keys)
    except KeyError as exc:
        raise KeyError(f"no column {exc.args[0]!r} to group by") from None


def group_by(records: list[dict], keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    """Each distinct key (a tuple of the key columns' values) with its records, in the order the
    keys sort; inside a group, records keep their input order."""
    if not keys:
        return {(): list(records)}
    # Not itertools.groupby: it only groups neighbours, and exports arrive in any order.
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        groups.setdefault(key_of(record, keys), []).append(record)
    return dict(sorted(groups.items(), key=lambda item: _sortable(item[0])))


def _sortable(key: tuple) -> tuple:
    # None sorts first; mixed types sort by type name so that sorting never raises.
    return tuple((v is not None, type(v).__name__, v) if v is not None else (False, "", "") for v in key)


def distinct(records: list[dict], column: str) -> list:
    return sorted({r[column] for r in records if r.get(column) is not None}, key=lambda v: (type(v).__name__, v))
