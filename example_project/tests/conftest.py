"""Shared fixtures for the shopkit test suite."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shopkit.cart import Cart
from shopkit.inventory import Inventory, StockItem


@pytest.fixture
def cart() -> Cart:
    """A cart with 8 % sales tax holding two mugs and one tee."""
    cart = Cart(tax_rate=Decimal("0.08"))
    cart.add("MUG-01", "Enamel mug", Decimal("12.50"), quantity=2)
    cart.add("TEE-M", "Logo tee (M)", Decimal("19.99"))
    return cart


@pytest.fixture
def inventory() -> Inventory:
    """A small warehouse: plenty of mugs, tees running low with a delivery on its way."""
    return Inventory(
        [
            StockItem("MUG-01", on_hand=40, reorder_point=10, reorder_quantity=50),
            StockItem("TEE-M", on_hand=5, reorder_point=8, reorder_quantity=24, on_order=24),
        ]
    )


@pytest.fixture
def us_holidays_2024() -> frozenset[date]:
    """The US public holidays the warehouse closes for in 2024 (a subset)."""
    return frozenset({date(2024, 5, 27), date(2024, 7, 4), date(2024, 12, 25)})
