import pytest

from templates import Template, TemplateError, render


def test_plain_text_and_variables():
    assert render("Hello, {{ name }}!", {"name": "Ada"}) == "Hello, Ada!"


def test_dotted_path_and_filter():
    assert render("{{ user.name | upper }}", {"user": {"name": "grace"}}) == "GRACE"


def test_if_else():
    template = Template("{% if admin %}root{% else %}guest{% endif %}")
    assert template.render({"admin": True}) == "root"
    assert template.render({"admin": False}) == "guest"


def test_for_loop():
    assert render("{% for n in numbers %}{{ n }};{% endfor %}", {"numbers": [1, 2, 3]}) == "1;2;3;"


def test_output_is_escaped():
    assert render("{{ text }}", {"text": "<b>"}) == "&lt;b&gt;"


def test_unclosed_block():
    with pytest.raises(TemplateError):
        Template("{% if x %}never closed")
