from brackets import first_error, is_balanced


def test_empty_string_is_balanced():
    assert is_balanced("")
    assert first_error("") == -1


def test_square_pair():
    assert is_balanced("[]")
    assert is_balanced("[[x]]")


def test_curly_pair():
    assert is_balanced("{}")
    assert is_balanced("{{x}}")


def test_deeply_nested_mixed():
    assert is_balanced("{[()()]}([{}])")


def test_square_closed_by_curly_is_unbalanced():
    assert not is_balanced("[}")
    assert first_error("[}") == 1


def test_curly_closed_by_square_is_unbalanced():
    assert not is_balanced("{]")
    assert first_error("{]") == 1


def test_interleaved_is_unbalanced():
    assert not is_balanced("([)]")
    assert first_error("([)]") == 2


def test_lone_closer():
    assert not is_balanced("]")
    assert first_error("ab}") == 2


def test_unclosed_reports_earliest_opener():
    assert first_error("((()") == 0
    assert first_error("x[{}") == 1


def test_closer_mismatch_in_curly_context():
    assert first_error("x{(}") == 3


def test_non_bracket_characters_ignored():
    assert is_balanced("def f(a): return {'k': [a, (1, 2)]}")
    assert is_balanced("no brackets at all")
