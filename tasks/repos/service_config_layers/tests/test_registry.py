from svcconf import load_service, load_services


def test_routes_of_a_fleet(billing_text, search_text):
    registry = load_services({"billing.conf": billing_text, "search.conf": search_text})
    assert [(r.service, r.upstream) for r in registry.routes()] == [
        ("billing", "fx-rates"),
        ("billing", "ledger"),
        ("search", "index"),
    ]


def test_tagging_one_service_leaves_the_others_alone(billing_text, search_text):
    registry = load_services({"billing.conf": billing_text, "search.conf": search_text})
    registry.tag("search", "beta")
    assert registry.with_tag("beta") == ["search"]
    fresh = load_service(search_text)
    assert fresh.tags == []


def test_service_headers_reach_its_own_upstreams_only(billing_text, search_text):
    registry = load_services({"billing.conf": billing_text, "search.conf": search_text})
    assert registry.effective_headers("billing", "fx-rates")["X-Team"] == "payments"
    assert "X-Team" not in registry.effective_headers("search", "index")
