import pytest

from csv_line import parse_record, split_line


def test_empty_line_has_one_empty_field():
    assert split_line("") == [""]


def test_only_delimiters():
    assert split_line(",") == ["", ""]
    assert split_line(",,,") == ["", "", "", ""]


def test_leading_empty_field():
    assert split_line(",x") == ["", "x"]


def test_quoted_empty_field():
    assert split_line('""') == [""]
    assert split_line('a,"",b') == ["a", "", "b"]
    assert split_line('a,""') == ["a", ""]


def test_field_that_is_only_an_escaped_quote():
    assert split_line('""""') == ['"']
    assert split_line('x,""""""') == ["x", '""']


def test_escaped_quote_next_to_delimiter():
    assert split_line('"a"",b",c') == ['a",b', "c"]


def test_custom_delimiter_and_whitespace():
    assert split_line(' a ;"b;c"; ', delimiter=";") == [" a ", "b;c", " "]
    assert split_line("1\t2\t", delimiter="\t") == ["1", "2", ""]


def test_parse_record_with_trailing_empty_value():
    assert parse_record('Bob,"Smith, Jr.",', ["first", "last", "note"]) == {
        "first": "Bob",
        "last": "Smith, Jr.",
        "note": "",
    }


def test_parse_record_wrong_field_count_raises():
    with pytest.raises(ValueError):
        parse_record("a,b,c", ["x", "y"])


def test_unterminated_after_escaped_quote_raises():
    with pytest.raises(ValueError):
        split_line('"abc""')
