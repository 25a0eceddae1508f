"""Money arithmetic: rounding, tax, discounts and bulk pricing.

Amounts are :class:`~decimal.Decimal` values in the store currency, always rounded to
whole cents with ``ROUND_HALF_UP`` (the way the finance team's ledger rounds). Floats
are refused at the boundary so binary rounding errors never reach an invoice.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

#: Bulk pricing as (minimum quantity, percent off), largest tier first.
BULK_TIERS: tuple[tuple[int, Decimal], ...] = (
    (100, Decimal("15")),
    (50, Decimal("10")),
    (10, Decimal("5")),
)


def round_money(amount: Decimal) -> Decimal:
    """Round ``amount`` to whole cents, halves away from zero."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_money(value: Decimal | int | str) -> Decimal:
    """Convert ``value`` to an amount rounded to cents.

    >>> to_money("2.345")
    Decimal('2.35')

    :raises TypeError: for floats, which cannot represent most prices exactly.
    """
    if isinstance(value, float):
        raise TypeError("money must be given as str, int or Decimal, not float")
    return round_money(Decimal(value))


def add_tax(net: Decimal, rate: Decimal) -> Decimal:
    """Return the gross amount for ``net`` at tax ``rate`` (``Decimal("0.2")`` is 20 %)."""
    if rate < 0:
        raise ValueError(f"tax rate cannot be negative: {rate}")
    return round_money(net * (1 + rate))


def apply_discount(price: Decimal, percent: Decimal | int) -> Decimal:
    """Return ``price`` reduced by ``percent`` per cent, rounded to cents.

    >>> apply_discount(Decimal("80.00"), 25)
    Decimal('60.00')

    :raises ValueError: if ``percent`` is outside 0-100.
    """
    percent = Decimal(percent)
    if percent < 0 or percent > 100:
        raise ValueError(f"discount must be between 0 and 100 percent, got {percent}")
    reduction = price * percent / 100
    return round_money(price + reduction)


def bulk_discount_percent(quantity: int) -> Decimal:
    """Percent off the unit price when ordering ``quantity`` units of one product.

    A tier applies from its minimum quantity on: 10 units get 5 %, 50 get 10 %,
    100 or more get 15 % (see :data:`BULK_TIERS`).
    """
    if quantity < 0:
        raise ValueError(f"quantity cannot be negative: {quantity}")
    for min_quantity, percent in BULK_TIERS:
        if quantity > min_quantity:
            return percent
    return Decimal(0)


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """Split ``total`` into ``parts`` shares that differ by at most one cent.

    The shares always add up to ``total`` exactly; leftover cents go to the first
    shares, so ``10.00`` split three ways is ``[3.34, 3.33, 3.33]``.
    """
    if parts < 1:
        raise ValueError(f"cannot split into {parts} parts")
    cents = int(round_money(total) / CENT)
    base, leftover = divmod(cents, parts)
    return [Decimal(base + (1 if index < leftover else 0)) * CENT for index in range(parts)]
