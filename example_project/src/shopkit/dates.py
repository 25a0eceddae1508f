"""Business-day arithmetic for dispatch and delivery estimates.

The warehouse works Monday to Friday. Public holidays are passed in by the caller
as a set of dates, because they differ per country and per year.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)
NO_HOLIDAYS: frozenset[date] = frozenset()


def is_weekend(day: date) -> bool:
    """Saturday or Sunday."""
    return day.weekday() >= 5


def is_business_day(day: date, holidays: Collection[date] = NO_HOLIDAYS) -> bool:
    """A weekday that is not a public holiday."""
    return not is_weekend(day) and day not in holidays


def add_business_days(start: date, days: int, holidays: Collection[date] = NO_HOLIDAYS) -> date:
    """The date ``days`` business days after ``start``.

    ``start`` itself does not count, so one business day after a Friday is the next
    Monday. Zero days returns ``start`` unchanged.
    """
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    current = start
    remaining = days
    while remaining > 0:
        current += ONE_DAY
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def business_days_between(
    start: date, end: date, holidays: Collection[date] = NO_HOLIDAYS
) -> int:
    """Business days after ``start`` up to and including ``end``.

    Negative when ``end`` is before ``start``. For a business day ``end`` after
    ``start``, ``add_business_days(start, business_days_between(start, end))`` is ``end``.
    """
    if end < start:
        return -business_days_between(end, start, holidays)
    count = 0
    current = start
    while current < end:
        current += ONE_DAY
        if is_business_day(current, holidays):
            count += 1
    return count


def next_business_day(day: date, holidays: Collection[date] = NO_HOLIDAYS) -> date:
    """``day`` itself if it is a business day, else the first business day after it."""
    if is_business_day(day, holidays):
        return day
    return add_business_days(day, 1, holidays)
