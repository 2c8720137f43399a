import pytest

from svcconf import ConfigError, load_service
from svcconf.cli import main


def test_references_to_other_keys():
    service = load_service("[service]\nname = a\nport = 8090\n[upstream:self]\nurl = http://localhost:${port}/health\n")
    assert service.upstream("self").url == "http://localhost:8090/health"


def test_environment_references_with_default():
    text = "[service]\nname = a\nlog_level = ${env:LEVEL:-debug}\n"
    assert load_service(text).log_level == "DEBUG"
    assert load_service(text, environ={"LEVEL": "error"}).log_level == "ERROR"


def test_reference_loop_is_an_error():
    with pytest.raises(ConfigError, match="loop"):
        load_service("[service]\nname = a\n[upstream:u]\nurl = ${upstreams.u.url}\n")


def test_cli_check_and_routes(tmp_path, capsys, billing_text, search_text):
    (tmp_path / "billing.conf").write_text(billing_text)
    (tmp_path / "search.conf").write_text(search_text)
    files = [str(tmp_path / "billing.conf"), str(tmp_path / "search.conf")]
    assert main(["check", *files]) == 0
    assert "2 service(s) ok: billing, search" in capsys.readouterr().out
    assert main(["routes", *files]) == 0
    assert "ledger" in capsys.readouterr().out


def test_cli_reports_errors(tmp_path, capsys):
    bad = tmp_path / "bad.conf"
    bad.write_text("[service]\nname = a\nport = 99999\n")
    assert main(["check", str(bad)]) == 2
    assert "port" in capsys.readouterr().err
