import pytest

from svcconf import ConfigError, load_service


def test_values_are_converted(billing_text):
    service = load_service(billing_text)
    assert service.port == 8081
    assert service.tags == ["payments", "critical"]
    ledger = service.upstream("ledger")
    assert ledger.timeout == 5.0
    assert ledger.retry.attempts == 5


def test_layers_override_in_order(search_text, shared_text):
    service = load_service(search_text, shared_defaults=shared_text, environ={"SVC_PORT": "9100"})
    assert service.log_level == "WARNING"
    assert service.limits.max_body == 2 * 1024 * 1024
    assert service.port == 9100


def test_errors_name_the_path():
    with pytest.raises(ConfigError, match=r"upstreams.ledger.*url"):
        load_service("[service]\nname = x\n[upstream:ledger]\nurl = ftp://nope\n")


def test_text_round_trip_and_diff(billing_text):
    from svcconf.dump import diff, to_text

    service = load_service(billing_text)
    assert load_service(to_text(service)) == service
    changed = load_service(billing_text, environ={"SVC_UPSTREAM_LEDGER_TIMEOUT": "9s"})
    assert diff(service, changed) == ["upstreams.ledger.timeout: 5.0 -> 9.0"]
