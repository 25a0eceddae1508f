import pytest

from config import parse_config


def check_blank_lines_are_skipped():
    assert parse_config("\n\na = 1\n\n\nb = 2") == {"a": "1", "b": "2"}


def check_comment_first():
    assert parse_config("# header\nx=y") == {"x": "y"}


def check_error_after_a_comment_names_the_line():
    with pytest.raises(ValueError, match="line 3"):
        parse_config("a = 1\n# c\nbroken")


def check_value_may_contain_equals():
    assert parse_config("url = a=b") == {"url": "a=b"}


def check_empty_text():
    assert parse_config("") == {}
