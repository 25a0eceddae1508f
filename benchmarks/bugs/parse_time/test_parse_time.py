import pytest

from clock import format_time, parse_time


def test_midnight():
    assert parse_time("00:00") == 0


def test_afternoon():
    assert parse_time("13:45") == 825


def test_hour_out_of_range():
    with pytest.raises(ValueError):
        parse_time("24:10")


def test_not_a_time():
    with pytest.raises(ValueError):
        parse_time("noon")


def test_round_trip():
    assert format_time(parse_time("07:05")) == "07:05"
