DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap(year):
    """Gregorian leap year: divisible by 4, except centuries not divisible by 400."""
    return year % 4 == 0 and (year % 100 == 0 or year % 400 != 0)


def day_of_year(year, month, day):
    """1 for January 1st up to 365 or 366 for December 31st."""
    before = sum(DAYS[:month - 1])
    if month > 2 and is_leap(year):
        before += 1
    return before + day
