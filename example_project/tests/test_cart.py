from decimal import Decimal

import pytest

from shopkit.cart import Cart


def test_adding_a_product_twice_raises_its_quantity(cart):
    cart.add("MUG-01", "Enamel mug", Decimal("12.50"), quantity=3)
    assert len(cart) == 2
    assert cart.lines[0].quantity == 5
    assert cart.item_count() == 6


def test_subtotal_tax_and_total(cart):
    assert cart.subtotal() == Decimal("44.99")
    assert cart.tax() == Decimal("3.60")
    assert cart.total() == Decimal("48.59")


def test_set_quantity_to_zero_removes_the_line(cart):
    cart.set_quantity("TEE-M", 0)
    assert [line.sku for line in cart.lines] == ["MUG-01"]
    with pytest.raises(KeyError):
        cart.set_quantity("TEE-M", 1)


def test_empty_cart_totals_zero():
    assert Cart().total() == Decimal("0.00")


@pytest.mark.parametrize("quantity", [0, 100])
def test_quantity_per_line_is_limited(quantity):
    with pytest.raises(ValueError, match="between 1 and 99"):
        Cart().add("MUG-01", "Enamel mug", Decimal("12.50"), quantity=quantity)
