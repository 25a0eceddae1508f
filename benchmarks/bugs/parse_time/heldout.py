import pytest

from clock import parse_time


def check_minutes_out_of_range():
    with pytest.raises(ValueError):
        parse_time("10:60")


def check_both_out_of_range():
    with pytest.raises(ValueError):
        parse_time("99:99")


def check_last_minute_of_the_day():
    assert parse_time("23:59") == 1439


def check_whitespace_is_stripped():
    assert parse_time(" 01:02 ") == 62


def check_three_parts_rejected():
    with pytest.raises(ValueError):
        parse_time("1:2:3")
