"""Parcel rates, the free-shipping rule and delivery estimates.

Countries are grouped into shipping zones; each zone has a rate table of weight
bands. Countries the carrier contract does not list ship at international rates.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal

from shopkit.dates import NO_HOLIDAYS, add_business_days

FREE_SHIPPING_THRESHOLD = Decimal("50.00")

COUNTRY_ZONES: dict[str, str] = {
    "US": "domestic",
    "CA": "north_america",
    "MX": "north_america",
    "GB": "europe",
    "DE": "europe",
    "FR": "europe",
    "NL": "europe",
}

#: Per zone, (maximum weight in kg, price) bands, lightest first.
RATE_TABLES: dict[str, tuple[tuple[float, Decimal], ...]] = {
    "domestic": ((1.0, Decimal("4.99")), (5.0, Decimal("8.99")), (20.0, Decimal("19.99"))),
    "north_america": ((1.0, Decimal("9.99")), (5.0, Decimal("17.99")), (20.0, Decimal("39.99"))),
    "europe": ((1.0, Decimal("12.99")), (5.0, Decimal("24.99")), (20.0, Decimal("54.99"))),
    "international": ((1.0, Decimal("16.99")), (5.0, Decimal("34.99")), (20.0, Decimal("79.99"))),
}

#: Carrier transit time per zone, in business days after dispatch.
TRANSIT_DAYS: dict[str, int] = {"domestic": 2, "north_america": 4, "europe": 6, "international": 10}


def zone_for(country_code: str) -> str:
    """The shipping zone of an ISO 3166 country code (any case)."""
    return COUNTRY_ZONES.get(country_code.strip().upper(), "international")


def rate_for(country_code: str, weight_kg: float) -> Decimal:
    """Price of sending one parcel of ``weight_kg`` to ``country_code``.

    A band covers weights up to and including its maximum.

    :raises ValueError: for a non-positive weight, or a parcel heavier than the
        heaviest band (it must be split up).
    """
    if weight_kg <= 0:
        raise ValueError(f"parcel weight must be positive, got {weight_kg}")
    zone = zone_for(country_code)
    for max_weight, price in RATE_TABLES[country_code]:
        if weight_kg <= max_weight:
            return price
    raise ValueError(f"a {weight_kg} kg parcel exceeds the heaviest band; split it up")


def qualifies_for_free_shipping(subtotal: Decimal, country_code: str) -> bool:
    """Domestic orders of at least :data:`FREE_SHIPPING_THRESHOLD` ship free."""
    return zone_for(country_code) == "domestic" and subtotal >= FREE_SHIPPING_THRESHOLD


def estimate_delivery(
    country_code: str, ship_date: date, holidays: Collection[date] = NO_HOLIDAYS
) -> date:
    """Expected delivery date of a parcel dispatched on ``ship_date``."""
    transit = TRANSIT_DAYS[zone_for(country_code)]
    return add_business_days(ship_date, transit, holidays)
