from collections import OrderedDict, namedtuple

import pytest

from templates import Template, TemplateError, render

Point = namedtuple("Point", "x y")


class Person:
    def __init__(self, name, friends=()):
        self.name = name
        self.friends = list(friends)
        self._secret = "hidden"

    def __str__(self):
        return f"Person({self.name})"


def test_text_with_lone_braces_is_unchanged():
    assert render("a { b } c {x} }} %}", {}) == "a { b } c {x} }} %}"
    assert render("function() { return {a: 1}; }", {}) == "function() { return {a: 1}; }"
    assert render("", {}) == ""


def test_whitespace_inside_tags():
    assert render("{{name}}|{{   name   }}|{{ name|upper }}|{{name | lower}}", {"name": "Mia"}) == "Mia|Mia|MIA|mia"
    assert render("{%if x%}y{%endif%}", {"x": 1}) == "y"


def test_path_resolution():
    context = {
        "user": Person("Lin", [Person("Sam")]),
        "pos": Point(3, 4),
        "cfg": OrderedDict(items="key wins"),
        "rows": [["a", "b"], ("c", "d")],
    }
    assert render("{{ user.name }} {{ user.friends.0.name }}", context) == "Lin Sam"
    assert render("{{ pos.x }},{{ pos.1 }}", context) == "3,4"
    assert render("{{ cfg.items }}", context) == "key wins"
    assert render("{{ rows.1.0 }}{{ rows.0.1 }}", context) == "cb"
    assert render("{{ user }}", context) == "Person(Lin)"


@pytest.mark.parametrize("source", ["{{ missing }}", "{{ user.age }}", "{{ user._secret }}", "{{ rows.5 }}", "{% for x in nothing %}{% endfor %}", "{{ user.__class__ }}"])
def test_unresolvable_paths_are_errors(source):
    template = Template(source)
    with pytest.raises(TemplateError):
        template.render({"user": Person("Kim"), "rows": [1]})


def test_unresolvable_path_in_if_is_false():
    assert render("{% if user.age %}old{% else %}unknown{% endif %}", {"user": Person("Kim")}) == "unknown"
    assert render("{% if not missing.deep %}none{% endif %}", {}) == "none"


def test_if_not_and_truthiness():
    source = "{% if not items %}empty{% else %}{{ items | length }} items{% endif %}"
    assert render(source, {"items": []}) == "empty"
    assert render(source, {"items": "abc"}) == "3 items"
    assert render("{% if n %}yes{% else %}no{% endif %}", {"n": 0}) == "no"
    assert render("{% if s %}yes{% endif %}", {"s": " "}) == "yes"


def test_escaping_and_safe():
    context = {"text": "<a href=\"x\">Tom & 'Jerry'</a>"}
    assert render("{{ text }}", context) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/a&gt;"
    assert render("{{ text | safe }}", context) == context["text"]
    assert render("{{ text | upper | safe }}", context) == context["text"].upper()
    assert render("{{ n }}", {"n": 3.5}) == "3.5"
    assert render("{{ v }}", {"v": None}) == "None"


def test_filters_chain_left_to_right():
    assert render("{{ word | upper | length }}", {"word": "héllo"}) == "5"
    assert render("{{ word | lower | upper }}", {"word": "MiXeD"}) == "MIXED"
    assert render("{{ items | length }}", {"items": {"a": 1, "b": 2}}) == "2"


def test_loop_variables_and_nesting():
    source = (
        "{% for row in rows %}"
        "{% if not loop.first %}|{% endif %}"
        "{{ loop.index }}:"
        "{% for cell in row %}{{ cell }}{% if loop.last %}.{% else %},{% endif %}{% endfor %}"
        "{% endfor %}"
    )
    assert render(source, {"rows": [["a", "b"], ["c"], []]}) == "1:a,b.|2:c.|3:"


def test_loop_variable_shadows_and_is_restored():
    source = "{{ x }}[{% for x in xs %}{{ x }}{% endfor %}]{{ x }}"
    assert render(source, {"x": "outer", "xs": ["1", "2"]}) == "outer[12]outer"
    with pytest.raises(TemplateError):
        render("{% for x in xs %}{% endfor %}{{ x }}", {"xs": [1]})
    with pytest.raises(TemplateError):
        render("{% for x in xs %}{% endfor %}{{ loop.index }}", {"xs": [1]})


def test_loop_over_any_iterable_and_outer_loop_access():
    assert render("{% for k in d %}{{ k }}{% endfor %}", {"d": {"p": 1, "q": 2}}) == "pq"
    assert render("{% for c in s %}<{{ c }}>{% endfor %}", {"s": "a&"}) == "<a><&amp;>"
    source = "{% for a in outer %}{% for b in a.inner %}{{ a.name }}{{ b }}{% endfor %}{% endfor %}"
    context = {"outer": [{"name": "x", "inner": [1, 2]}, {"name": "y", "inner": [3]}]}
    assert render(source, context) == "x1x2y3"


def test_comments_and_multiline():
    source = "a{# a comment with {{ braces }} and\nnewlines #}b\n{% if x %}\nline\n{% endif %}"
    assert render(source, {"x": True}) == "ab\n\nline\n"


def test_template_is_reusable_and_context_not_modified():
    template = Template("{% for i in items %}{{ i }}{% endfor %}")
    context = {"items": [1, 2]}
    assert template.render(context) == "12"
    assert context == {"items": [1, 2]}
    assert template.render({"items": (7,)}) == "7"


@pytest.mark.parametrize(
    "source",
    [
        "{{ name",
        "{% if x %}",
        "{% for x in xs %}",
        "{# comment",
        "{{ }}",
        "{{ a..b }}",
        "{{ 9lives }}",
        "{{ a.b- }}",
        "{{ x | shout }}",
        "{{ x | safe | upper }}",
        "{% endif %}",
        "{% endfor %}",
        "{% else %}",
        "{% if x %}{% endfor %}",
        "{% for x in xs %}{% endif %}",
        "{% if x %}{% else %}{% else %}{% endif %}",
        "{% for x xs %}{% endfor %}",
        "{% for x in %}{% endfor %}",
        "{% for x.y in xs %}{% endfor %}",
        "{% while x %}",
        "{% %}",
        "{% if %}{% endif %}",
        "{% if x y %}{% endif %}",
        "{% if never %}{{ bad path! }}{% endif %}",
        "{% for x in xs %}{% if x %}{% endfor %}{% endif %}",
    ],
)
def test_syntax_errors_are_found_when_parsing(source):
    with pytest.raises(TemplateError):
        Template(source)


def test_template_error_is_a_value_error():
    assert issubclass(TemplateError, ValueError)
