from calendar_rules import is_leap


def test_ordinary_leap_year():
    assert is_leap(2024) is True


def test_century():
    assert is_leap(1900) is False


def test_fourth_century():
    assert is_leap(2000) is True


def test_common_year():
    assert is_leap(2023) is False
