import pytest

from config import ConfigError, parse_config

SAMPLE = """
# service settings
[server]
host = example.org
port: 8080
debug = yes

[paths]
roots = /srv, /opt ,
"""


def test_sections_and_values():
    config = parse_config(SAMPLE)
    assert config.sections() == ["server", "paths"]
    assert config.get("server", "host") == "example.org"


def test_typed_getters():
    config = parse_config(SAMPLE)
    assert config.get_int("server", "port") == 8080
    assert config.get_bool("server", "debug") is True
    assert config.get_list("paths", "roots") == ["/srv", "/opt"]


def test_missing_key():
    config = parse_config(SAMPLE)
    assert config.get("server", "user", "nobody") == "nobody"
    with pytest.raises(KeyError):
        config.get("server", "user")


def test_error_names_the_line():
    with pytest.raises(ConfigError) as info:
        parse_config("[a]\nx = 1\nthis line is wrong\n")
    assert info.value.line == 3
