import pytest

from config import Config, ConfigError, parse_config


def test_keys_are_case_insensitive_sections_are_not():
    config = parse_config("[Main]\nUserName = ada\n[main]\nusername = bob\n")
    assert config.sections() == ["Main", "main"]
    assert config.get("Main", "USERNAME") == "ada"
    assert config.get("main", "userName") == "bob"
    assert "Main" in config and "MAIN" not in config


def test_split_at_first_separator():
    config = parse_config("[urls]\nhome = http://example.org/a=b\ntime: 12:30\nratio = 1:2\n")
    assert config.get("urls", "home") == "http://example.org/a=b"
    assert config.get("urls", "time") == "12:30"
    assert config.get("urls", "ratio") == "1:2"


def test_values_are_stripped_quotes_keep_spaces_and_comment_chars_stay():
    text = '[s]\na =   spaced out   \nb = "  padded "\nc = "\nd = ""\ne = x # not a comment; really\nf =\n'
    config = parse_config(text)
    assert config.get("s", "a") == "spaced out"
    assert config.get("s", "b") == "  padded "
    assert config.get("s", "c") == '"'
    assert config.get("s", "d") == ""
    assert config.get("s", "e") == "x # not a comment; really"
    assert config.get("s", "f") == ""


def test_comments_blank_lines_and_indented_comments():
    text = "; top\n  # indented comment\n\n[s]\n\t; another\nk = v\n"
    assert parse_config(text).get("s", "k") == "v"


def test_repeated_sections_merge_and_later_keys_win():
    config = parse_config("[a]\nx = 1\ny = 2\n[b]\nz = 3\n[ a ]\nX = 10\n")
    assert config.sections() == ["a", "b"]
    assert config.get("a", "x") == "10"
    assert config.get("a", "y") == "2"


def test_continuation_lines():
    text = "[msg]\nbody = first line\n   second line\n\tthird = line\nnext = 1\n"
    config = parse_config(text)
    assert config.get("msg", "body") == "first line\nsecond line\nthird = line"
    assert config.get("msg", "next") == "1"


def test_indented_lines_elsewhere_are_ordinary():
    text = "  [net]\n  host = a\n\n  port = 1\n# c\n    retries = 3\n"
    config = parse_config(text)
    assert config.get("net", "host") == "a"
    assert config.get_int("net", "port") == 1
    assert config.get_int("net", "retries") == 3


def test_continuation_ends_at_blank_line_or_comment():
    text = "[s]\na = 1\n\n  b = 2\nc = 3\n# note\n  d = 4\n"
    config = parse_config(text)
    assert config.get("s", "a") == "1"
    assert config.get("s", "b") == "2"
    assert config.get("s", "c") == "3"
    assert config.get("s", "d") == "4"


def test_empty_text():
    config = parse_config("")
    assert isinstance(config, Config)
    assert config.sections() == []
    assert config.get("any", "key", None) is None


@pytest.mark.parametrize(
    "text, line",
    [
        ("key = 1\n", 1),
        ("# c\n\nname: x\n", 3),
        ("[a]\n[b\n", 2),
        ("[a]\n[ ]\n", 2),
        ("[a]\n = value\n", 2),
        ("[a]\nx = 1\njust words\n", 3),
        ("[a]\nx = 1\n\n\n[broken\n", 5),
        ("[a]\n: nothing\n", 2),
    ],
)
def test_errors_report_the_line(text, line):
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.line == line
    assert isinstance(info.value, ValueError)


def test_get_int():
    config = parse_config("[n]\na = 42\nb = -7\nc = 4.5\nd = 0x10\ne =  12 \n")
    assert config.get_int("n", "a") == 42
    assert config.get_int("n", "b") == -7
    assert config.get_int("n", "e") == 12
    for key in ("c", "d"):
        with pytest.raises(ConfigError) as info:
            config.get_int("n", key)
        assert info.value.line is None
    assert config.get_int("n", "missing", 5) == 5
    with pytest.raises(KeyError):
        config.get_int("n", "missing")
    with pytest.raises(KeyError):
        config.get_int("nosection", "a")


def test_get_bool():
    words = {"true": True, "Yes": True, "ON": True, "1": True, "false": False, "NO": False, "off": False, "0": False}
    text = "[b]\n" + "".join(f"k{i} = {word}\n" for i, word in enumerate(words))
    config = parse_config(text)
    for i, expected in enumerate(words.values()):
        assert config.get_bool("b", f"k{i}") is expected
    bad = parse_config("[b]\nx = maybe\ny = 2\nz =\n")
    for key in "xyz":
        with pytest.raises(ConfigError):
            bad.get_bool("b", key)
    assert bad.get_bool("b", "missing", False) is False
    assert bad.get_bool("b", "missing", None) is None


def test_get_list():
    config = parse_config("[l]\na = x, y ,, z ,\nb =\nc = single\nd = , ,\n")
    assert config.get_list("l", "a") == ["x", "y", "z"]
    assert config.get_list("l", "b") == []
    assert config.get_list("l", "c") == ["single"]
    assert config.get_list("l", "d") == []
    assert config.get_list("l", "missing", ["default"]) == ["default"]


def test_default_none_is_returned_for_missing_values():
    config = parse_config("[s]\nk = v\n")
    assert config.get("s", "other", None) is None
    assert config.get("t", "k", None) is None
    assert config.get_list("s", "other", None) is None
    assert config.get_int("s", "other", None) is None


def test_colon_or_equals_in_keys_and_windows_line_endings():
    config = parse_config("[w]\r\npath = C:\\temp\r\nmode : a=b\r\n")
    assert config.get("w", "path") == "C:\\temp"
    assert config.get("w", "mode") == "a=b"
