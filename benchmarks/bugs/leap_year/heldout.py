from calendar_rules import is_leap


def check_2100():
    assert is_leap(2100) is False


def check_1600():
    assert is_leap(1600) is True


def check_1996():
    assert is_leap(1996) is True


def check_count_in_four_centuries():
    assert sum(is_leap(year) for year in range(2000, 2400)) == 97


def check_1800():
    assert is_leap(1800) is False
