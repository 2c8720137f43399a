"""The environment the evaluator gives the server it spawns: the server's settings and what task
environments' wheel downloads need reach it; the model's keys and bearer tokens do not."""

from harness.eval.server_process import server_env


def test_the_eval_server_gets_pip_settings_and_proxies_but_no_secrets():
    host = {
        "PATH": "/usr/bin",
        "DEBUGBOX_BACKEND": "docker",
        "PIP_INDEX_URL": "https://mirror.example/simple",
        "PIP_CERT": "/etc/ca.pem",
        "XDG_CACHE_HOME": "/cache",
        "HTTPS_PROXY": "http://proxy:3128",
        "PYTHONPATH": "/checkout",
        "OPENAI_API_KEY": "sk-secret",
        "HF_TOKEN": "hf-secret",
        "DEBUGBOX_AUTH_TOKENS": "alice:token",
    }
    env = server_env(host)
    assert env == {k: v for k, v in host.items() if k not in ("OPENAI_API_KEY", "HF_TOKEN", "DEBUGBOX_AUTH_TOKENS")}
