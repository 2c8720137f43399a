import pytest

from svcconf import ConfigError, load_service, load_services
from svcconf.converters import to_bool, to_duration, to_headers, to_list, to_size
from svcconf.dump import diff, to_dict, to_text
from svcconf.layers import env_overrides, merge
from svcconf.parse import parse


@pytest.mark.parametrize("text, seconds", [("250ms", 0.25), ("30s", 30.0), ("5m", 300.0), ("1h30m", 5400.0), ("2", 2.0), (1.5, 1.5)])
def test_durations(text, seconds):
    assert to_duration(text) == seconds


@pytest.mark.parametrize("text", ["5 minutes", "m5", "-3s", "1x"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        to_duration(text)


@pytest.mark.parametrize("text, size", [("512", 512), ("64kb", 65536), ("2MB", 2097152), ("1.5GB", 1610612736), (10, 10)])
def test_sizes(text, size):
    assert to_size(text) == size


@pytest.mark.parametrize("text, value", [("yes", True), ("Off", False), ("1", True), (False, False)])
def test_booleans(text, value):
    assert to_bool(text) is value


def test_bad_boolean():
    with pytest.raises(ValueError, match="not a boolean"):
        to_bool("maybe")


def test_list_from_text():
    assert to_list(" a, b ,,c ") == ["a", "b", "c"]
    assert to_list(None) == []


def test_headers_from_text_keep_defaults():
    headers = to_headers("X-A=1; X-B = two")
    assert headers["X-A"] == "1" and headers["X-B"] == "two"
    assert headers["Accept"] == "application/json"


def test_bad_header_name():
    with pytest.raises(ValueError):
        to_headers({"bad header": "x"})


def test_parse_sections_and_dotted_keys():
    raw = parse("[service]\nname = a\n[upstream:u]\nurl = http://u\nretry.attempts = 4\n")
    assert raw == {"name": "a", "upstreams": {"u": {"url": "http://u", "retry": {"attempts": "4"}}}}


def test_parse_quoted_values():
    assert parse('[service]\nname = "a, b"\n')["name"] == "a, b"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[service]\nname = a\nname = b\n", "set twice"),
        ("[bogus]\n", "unknown section"),
        ("name = a\n", "before any"),
        ("[upstream]\n", "needs a name"),
        ("[service]\njust words\n", "key = value"),
    ],
)
def test_parse_errors(text, fragment):
    with pytest.raises(ConfigError, match=fragment):
        parse(text)


def test_parse_error_has_line_number():
    with pytest.raises(ConfigError) as info:
        parse("[service]\nname = a\n\n[nope]\n", source="a.conf")
    assert str(info.value).startswith("a.conf:4")


def test_merge_is_deep_and_pure():
    base = {"a": 1, "t": {"x": 1, "y": 2}}
    merged = merge(base, {"t": {"y": 3}, "b": 2})
    assert merged == {"a": 1, "b": 2, "t": {"x": 1, "y": 3}}
    assert base == {"a": 1, "t": {"x": 1, "y": 2}}


def test_env_overrides_upstreams_with_dashes(billing_text):
    service = load_service(billing_text, environ={"SVC_UPSTREAM_FX_RATES_TIMEOUT": "2s", "SVC_UPSTREAM_LEDGER_RETRY_ATTEMPTS": "7"})
    assert service.upstream("fx-rates").timeout == 2.0
    assert service.upstream("ledger").retry.attempts == 7


def test_env_ignores_unknown_upstreams():
    assert env_overrides({"upstreams": {}}, {"SVC_UPSTREAM_NOPE_TIMEOUT": "1s"}) == {}


def test_env_limits(search_text):
    assert load_service(search_text, environ={"SVC_LIMITS_CONCURRENCY": "8"}).limits.concurrency == 8


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match="upstreams.u.colour"):
        load_service("[service]\nname = a\n[upstream:u]\nurl = http://u.internal\ncolour = red\n")


def test_missing_name():
    with pytest.raises(ConfigError, match="must set a name"):
        load_service("[service]\nport = 1\n")


@pytest.mark.parametrize("port", ["0", "70000"])
def test_port_range(port):
    with pytest.raises(ConfigError, match="port"):
        load_service(f"[service]\nname = a\nport = {port}\n")


def test_bad_log_level():
    with pytest.raises(ConfigError, match="log_level"):
        load_service("[service]\nname = a\nlog_level = loud\n")


def test_shared_defaults_cannot_name_a_service(search_text):
    with pytest.raises(ConfigError):
        load_service(search_text, shared_defaults="[service]\nname = x\n")


def test_duplicate_service_in_fleet(search_text):
    with pytest.raises(ValueError, match="already registered"):
        load_services({"a": search_text, "b": search_text})


def test_retry_delays():
    service = load_service("[service]\nname = a\n[upstream:u]\nurl = http://u.internal\nretry.attempts = 4\nretry.backoff = 500ms\n")
    assert service.upstream("u").retry.delays() == [0.5, 1.0, 2.0]


def test_text_round_trip(billing_text):
    service = load_service(billing_text)
    assert load_service(to_text(service)) == service


def test_diff_lists_changes(search_text):
    old = load_service(search_text)
    new = load_service(search_text, environ={"SVC_PORT": "9000"})
    assert diff(old, new) == ["port: 8082 -> 9000"]


def test_to_dict_nests(search_text):
    data = to_dict(load_service(search_text))
    assert data["upstreams"]["index"]["timeout"] == 0.25


def test_slowest_upstream(billing_text):
    registry = load_services({"b": billing_text})
    assert registry.slowest_upstream("billing").name == "fx-rates"


def test_callers_of(billing_text, search_text):
    registry = load_services({"b": billing_text, "s": search_text})
    assert registry.callers_of("http://ledger") == [("billing", "ledger")]


def test_unknown_upstream_message(billing_text):
    with pytest.raises(KeyError, match="known: fx-rates, ledger"):
        load_service(billing_text).upstream("nope")
