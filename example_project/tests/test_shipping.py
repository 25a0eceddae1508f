from datetime import date
from decimal import Decimal

import pytest

from shopkit.shipping import estimate_delivery, qualifies_for_free_shipping, rate_for, zone_for


def test_zone_for():
    assert zone_for("US") == "domestic"
    assert zone_for(" ca ") == "north_america"
    assert zone_for("BR") == "international"


@pytest.mark.parametrize(
    ("country", "weight_kg", "expected"),
    [("US", 1.0, "4.99"), ("BR", 0.4, "16.99")],
)
def test_rate_for(country, weight_kg, expected):
    assert rate_for(country, weight_kg) == Decimal(expected)


def test_rate_for_overweight_parcel_asks_to_split_it():
    with pytest.raises(ValueError, match="split it up"):
        rate_for("de", 25.0)


def test_rate_for_rejects_non_positive_weight():
    for weight_kg in (0, -1.5):
        with pytest.raises(ValueError, match="must be positive"):
            rate_for("US", weight_kg)


@pytest.mark.parametrize(
    ("subtotal", "country", "expected"),
    [("50.00", "US", True), ("49.99", "US", False), ("120.00", "DE", False)],
)
def test_free_shipping(subtotal, country, expected):
    assert qualifies_for_free_shipping(Decimal(subtotal), country) is expected


def test_estimate_delivery_skips_weekend_and_holiday(us_holidays_2024):
    # Dispatched the Friday before Memorial Day, two business days in transit.
    assert estimate_delivery("US", date(2024, 5, 24), us_holidays_2024) == date(2024, 5, 29)
