from brackets import first_error, is_balanced


def test_round_brackets_balanced():
    assert is_balanced("(a(b)c)")


def test_mixed_brackets_balanced():
    assert is_balanced("f(x[0]) {y}")


def test_wrong_kind_of_closer_is_unbalanced():
    assert not is_balanced("(]")


def test_unclosed_bracket_is_unbalanced():
    assert not is_balanced("((")


def test_first_error_of_balanced_text():
    assert first_error("[ok]") == -1


def test_first_error_points_at_bad_closer():
    assert first_error("a(b]c") == 3
