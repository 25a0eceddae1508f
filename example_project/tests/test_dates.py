from datetime import date

from shopkit.dates import add_business_days, business_days_between, is_business_day

FRIDAY = date(2024, 3, 1)
MONDAY = date(2024, 3, 4)


def test_holidays_are_not_business_days(us_holidays_2024):
    assert is_business_day(date(2024, 7, 3), us_holidays_2024)
    assert not is_business_day(date(2024, 7, 4), us_holidays_2024)
    assert not is_business_day(date(2024, 3, 2))  # a Saturday


def test_add_business_days_skips_the_weekend():
    assert add_business_days(FRIDAY, 1) == MONDAY
    assert add_business_days(FRIDAY, 5) == date(2024, 3, 8)
    assert add_business_days(FRIDAY, 0) == FRIDAY


def test_add_business_days_skips_holidays(us_holidays_2024):
    # Friday before Memorial Day: the next business day is Tuesday.
    assert add_business_days(date(2024, 5, 24), 1, us_holidays_2024) == date(2024, 5, 28)


def test_business_days_between():
    assert business_days_between(MONDAY, date(2024, 3, 8)) == 4
    assert business_days_between(date(2024, 3, 8), MONDAY) == -4
    assert business_days_between(FRIDAY, MONDAY) == 1
