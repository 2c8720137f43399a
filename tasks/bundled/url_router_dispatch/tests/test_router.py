import pytest

from router import MethodNotAllowed, NotFound, Router, compile_pattern


def make_router():
    router = Router()
    router.add("/", lambda: "home", name="home")
    router.add("/users/<int:user_id>", lambda user_id: f"user {user_id}", name="user")
    router.add("/users/<int:user_id>/edit", lambda user_id: f"edit {user_id}")
    router.add("/files/<path:rest>", lambda rest: f"file {rest}")
    return router


def test_dispatch_with_parameters():
    router = make_router()
    assert router.dispatch("GET", "/users/42") == "user 42"
    assert router.dispatch("get", "/files/a/b.txt") == "file a/b.txt"


def test_longer_path_reaches_its_own_route():
    assert make_router().dispatch("GET", "/users/7/edit") == "edit 7"


def test_not_found():
    with pytest.raises(NotFound):
        make_router().match("GET", "/nowhere")


def test_method_not_allowed():
    with pytest.raises(MethodNotAllowed) as info:
        make_router().match("DELETE", "/users/1")
    assert info.value.allowed == ["GET"]


def test_url_for():
    assert make_router().url_for("user", user_id=5) == "/users/5"


def test_pattern_match():
    assert compile_pattern("/tags/<name>").match("/tags/python") == {"name": "python"}
