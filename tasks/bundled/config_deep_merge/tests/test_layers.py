from layers import DELETE, deep_merge, flatten, merge_layers

DEFAULTS = {"db": {"host": "localhost", "port": 5432, "options": ["ssl"]}, "debug": False}


def test_nested_override():
    merged = deep_merge(DEFAULTS, {"db": {"host": "db.internal"}, "debug": True})
    assert merged == {"db": {"host": "db.internal", "port": 5432, "options": ["ssl"]}, "debug": True}


def test_delete_removes_a_key():
    assert deep_merge({"a": 1, "b": 2}, {"b": DELETE}) == {"a": 1}


def test_editing_the_result_leaves_defaults_alone():
    merged = merge_layers(DEFAULTS, {"debug": True})
    merged["db"]["options"].append("compress")
    assert DEFAULTS["db"]["options"] == ["ssl"]


def test_flatten():
    assert flatten({"db": {"host": "x", "pool": {"size": 5}}}) == {"db.host": "x", "db.pool.size": 5}
