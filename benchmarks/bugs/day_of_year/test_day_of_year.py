from dates import day_of_year, is_leap


def test_ordinary_leap_year():
    assert is_leap(2024)


def test_century_is_not_leap():
    assert not is_leap(1900)


def test_fourth_century_is_leap():
    assert is_leap(2000)


def test_ordinary_year():
    assert not is_leap(2023)


def test_march_first():
    assert day_of_year(2023, 3, 1) == 60
