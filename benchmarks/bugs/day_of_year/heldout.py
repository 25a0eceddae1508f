import calendar
import datetime

from dates import day_of_year, is_leap


def check_against_calendar():
    for year in range(1583, 2500):
        assert is_leap(year) == calendar.isleap(year)


def check_against_datetime():
    for year in (1900, 2000, 2023, 2024, 2100):
        for ordinal in range(1, 366):
            date = datetime.date(year, 1, 1) + datetime.timedelta(days=ordinal - 1)
            assert day_of_year(date.year, date.month, date.day) == date.timetuple().tm_yday


def check_last_day_of_a_leap_year():
    assert day_of_year(2024, 12, 31) == 366


def check_2100_is_not_leap():
    assert not is_leap(2100)


def check_1600_is_leap():
    assert is_leap(1600)
