from svcconf import Retry, Service, Upstream, load_service, load_services
from svcconf.converters import DEFAULT_HEADERS, to_headers, to_list


def test_default_headers_are_a_fresh_copy_each_time():
    a, b = to_headers(None), to_headers(None)
    a["X-Debug"] = "1"
    assert "X-Debug" not in b
    assert "X-Debug" not in DEFAULT_HEADERS


def test_to_list_returns_a_new_list():
    original = ["a", "b"]
    converted = to_list(original)
    converted.append("c")
    assert original == ["a", "b"]


def test_services_built_in_python_do_not_share_tags():
    one, two = Service("one"), Service("two")
    one.tags.append("x")
    assert two.tags == []


def test_services_do_not_share_default_headers():
    one, two = Service("one"), Service("two")
    one.headers["X-Extra"] = "1"
    assert "X-Extra" not in two.headers


def test_upstreams_do_not_share_headers():
    a = Upstream("a", "http://a.internal")
    b = Upstream("b", "http://b.internal")
    a.headers["Authorization"] = "Bearer secret"
    assert "Authorization" not in b.headers


def test_retry_statuses_not_shared():
    r1, r2 = Retry(), Retry()
    r1.on_status.append("429")
    assert r2.on_status == ["502", "503", "504"]


def test_tag_on_one_service_only(billing_text, search_text):
    registry = load_services({"b": billing_text, "s": search_text})
    registry.tag("search", "beta")
    assert registry.with_tag("beta") == ["search"]
    assert load_service(search_text).tags == []
    assert load_service("[service]\nname = other\n").tags == []


def test_untag_does_not_touch_other_services(billing_text, search_text):
    registry = load_services({"b": billing_text, "s": search_text})
    registry.tag("search", "beta")
    other = load_service("[service]\nname = other\n")
    registry.untag("search", "beta")
    assert other.tags == []


def test_effective_headers_stay_within_the_service(billing_text, search_text):
    registry = load_services({"b": billing_text, "s": search_text})
    registry.effective_headers("billing", "fx-rates")
    registry.effective_headers("billing", "ledger")
    assert "X-Team" not in registry.effective_headers("search", "index")


def test_services_loaded_later_get_clean_headers(billing_text):
    registry = load_services({"b": billing_text})
    registry.effective_headers("billing", "fx-rates")
    later = load_service("[service]\nname = later\n[upstream:x]\nurl = http://x.internal\n")
    assert later.headers == {"User-Agent": "svcconf/1.4", "Accept": "application/json"}
    assert later.upstream("x").headers == {"User-Agent": "svcconf/1.4", "Accept": "application/json"}


def test_set_header_changes_one_upstream(billing_text, search_text):
    registry = load_services({"b": billing_text, "s": search_text})
    registry.set_header("billing", "fx-rates", "Authorization", "Bearer t1")
    assert "Authorization" not in registry.effective_headers("billing", "ledger")
    assert "Authorization" not in registry.effective_headers("search", "index")
    assert registry.effective_headers("billing", "fx-rates")["Authorization"] == "Bearer t1"


def test_effective_headers_prefer_the_upstreams_own():
    text = "[service]\nname = a\n[headers]\nX-Team = core\n[upstream:u]\nurl = http://u.internal\nheaders = X-Team=edge\n"
    registry = load_services({"a": text})
    assert registry.effective_headers("a", "u")["X-Team"] == "edge"


def test_reloading_gives_equal_services(billing_text, search_text):
    registry = load_services({"b": billing_text, "s": search_text})
    registry.tag("billing", "audited")
    registry.effective_headers("billing", "fx-rates")
    assert load_service(search_text) == load_service(search_text)
    assert "audited" not in load_service(search_text).tags
