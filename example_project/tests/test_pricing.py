from decimal import Decimal

import pytest

from shopkit.pricing import (
    add_tax,
    apply_discount,
    bulk_discount_percent,
    split_evenly,
    to_money,
)


def test_to_money_rounds_half_up():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money("2.344") == Decimal("2.34")
    assert to_money(7) == Decimal("7.00")


def test_to_money_refuses_floats():
    with pytest.raises(TypeError, match="not float"):
        to_money(19.99)


def test_add_tax():
    assert add_tax(Decimal("100.00"), Decimal("0.2")) == Decimal("120.00")
    assert add_tax(Decimal("19.99"), Decimal("0.08")) == Decimal("21.59")


@pytest.mark.parametrize(
    ("price", "percent", "expected"),
    [
        ("80.00", 25, "60.00"),
        ("19.99", 15, "16.99"),
        ("49.99", 0, "49.99"),
    ],
)
def test_apply_discount(price, percent, expected):
    assert apply_discount(Decimal(price), percent) == Decimal(expected)


def test_apply_discount_rejects_out_of_range_percent():
    with pytest.raises(ValueError, match="between 0 and 100"):
        apply_discount(Decimal("10.00"), -5)
    with pytest.raises(ValueError, match="between 0 and 100"):
        apply_discount(Decimal("10.00"), 101)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [(9, "0"), (10, "5"), (49, "5"), (50, "10"), (99, "10"), (100, "15")],
)
def test_bulk_discount_tiers(quantity, expected):
    assert bulk_discount_percent(quantity) == Decimal(expected)


def test_split_evenly_gives_leftover_cents_to_first_shares():
    assert split_evenly(Decimal("10.00"), 3) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert sum(split_evenly(Decimal("100.01"), 7)) == Decimal("100.01")
