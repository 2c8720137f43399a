import pytest

from csv_line import parse_record, split_line


def test_plain_fields():
    assert split_line("a,b,c") == ["a", "b", "c"]


def test_quoted_field_with_delimiter():
    assert split_line('"x,y",z') == ["x,y", "z"]


def test_escaped_quotes_inside_quoted_field():
    assert split_line('"say ""hi""",ok') == ['say "hi"', "ok"]


def test_empty_fields_are_kept():
    assert split_line("a,,b,") == ["a", "", "b", ""]


def test_parse_record():
    assert parse_record("Ada,36", ["name", "age"]) == {"name": "Ada", "age": "36"}


def test_unterminated_quote_raises():
    with pytest.raises(ValueError):
        split_line('"abc,d')
