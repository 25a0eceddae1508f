import pytest

from config import parse_config


def test_single_setting():
    assert parse_config("name = demo") == {"name": "demo"}


def test_comment_between_settings():
    text = "a = 1\n# the second one\nb = 2\n"
    assert parse_config(text) == {"a": "1", "b": "2"}


def test_missing_equals_sign():
    with pytest.raises(ValueError, match="line 1"):
        parse_config("just words")
