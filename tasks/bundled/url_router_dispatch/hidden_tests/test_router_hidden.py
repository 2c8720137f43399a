import pytest

from router import MethodNotAllowed, NotFound, Router, compile_pattern


def test_whole_path_must_match():
    pattern = compile_pattern("/users/<int:user_id>")
    assert pattern.match("/users/12") == {"user_id": 12}
    for path in ("/users/12/", "/users/12/edit", "/users/12x", "/users/", "/users", "/Users/12", "x/users/12"):
        assert pattern.match(path) is None, path


def test_literal_characters_are_not_regex():
    pattern = compile_pattern("/files/report.txt")
    assert pattern.match("/files/report.txt") == {}
    assert pattern.match("/files/reportXtxt") is None
    plus = compile_pattern("/c++/<name>(v1)?")
    assert plus.match("/c++/x(v1)?") == {"name": "x"}
    assert plus.match("/cc/x(v1)?") is None
    assert plus.match("/c++/xv1") is None


def test_int_accepts_ascii_digits_only():
    pattern = compile_pattern("/n/<int:n>")
    assert pattern.match("/n/007") == {"n": 7}
    for path in ("/n/٣", "/n/１２", "/n/-1", "/n/+1", "/n/1_000", "/n/ 1"):
        assert pattern.match(path) is None, path
    with pytest.raises(ValueError):
        pattern.build(n="٣")


def test_str_and_path_converters():
    pattern = compile_pattern("/<owner>/<repo>/blob/<path:file>")
    assert pattern.match("/ada/engine/blob/src/main.py") == {"owner": "ada", "repo": "engine", "file": "src/main.py"}
    assert pattern.match("/ada/blob/src") is None
    assert compile_pattern("/<path:rest>").match("/") is None
    assert compile_pattern("/<str:x>.json").match("/data.json") == {"x": "data"}


def test_pattern_errors():
    for bad in ("users", "/a/<float:x>", "/a/<x>/<int:x>", ""):
        with pytest.raises(ValueError):
            compile_pattern(bad)


def test_build():
    pattern = compile_pattern("/u/<int:uid>/p/<slug>.html")
    assert pattern.build(uid=3, slug="intro") == "/u/3/p/intro.html"
    for params in ({"uid": 3}, {"uid": 3, "slug": "a", "extra": 1}, {"uid": "x", "slug": "a"}, {"uid": 3, "slug": "a/b"}):
        with pytest.raises(ValueError):
            pattern.build(**params)


def test_same_path_registered_for_different_methods():
    router = Router()
    router.add("/items", lambda: "list")
    router.add("/items", lambda: "create", methods=["post"])
    router.add("/items/<int:item_id>", lambda item_id: f"show {item_id}")
    router.add("/items/<int:item_id>", lambda item_id: f"update {item_id}", methods=("PUT", "PATCH"))
    assert router.dispatch("POST", "/items") == "create"
    assert router.dispatch("GET", "/items") == "list"
    assert router.dispatch("patch", "/items/9") == "update 9"
    with pytest.raises(MethodNotAllowed) as info:
        router.match("DELETE", "/items/9")
    assert info.value.allowed == ["GET", "PATCH", "PUT"]
    assert isinstance(info.value, LookupError)


def test_first_registered_route_wins():
    router = Router()
    router.add("/pages/<name>", lambda name: f"page {name}")
    router.add("/pages/about", lambda: "about")
    router.add("/docs/intro", lambda: "intro")
    router.add("/docs/<name>", lambda name: f"doc {name}")
    assert router.dispatch("GET", "/pages/about") == "page about"
    assert router.dispatch("GET", "/docs/intro") == "intro"
    assert router.dispatch("GET", "/docs/other") == "doc other"


def test_not_found_versus_method_not_allowed():
    router = Router()
    router.add("/a/<int:n>", lambda n: n, methods=["POST"])
    with pytest.raises(NotFound):
        router.match("POST", "/a/x")
    with pytest.raises(MethodNotAllowed):
        router.match("GET", "/a/1")
    with pytest.raises(NotFound):
        router.match("GET", "/a/1/")


def test_url_for_and_names():
    router = Router()
    router.add("/shop/<int:shop>/item/<sku>", lambda shop, sku: (shop, sku), name="item")
    path = router.url_for("item", shop=12, sku="A-7")
    assert path == "/shop/12/item/A-7"
    assert router.dispatch("GET", path) == (12, "A-7")
    with pytest.raises(KeyError):
        router.url_for("missing")
    with pytest.raises(ValueError):
        router.add("/other", lambda: None, name="item")
