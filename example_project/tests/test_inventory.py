import math

import pytest

from shopkit.inventory import OutOfStockError, StockItem, days_of_cover


def make_item(**overrides):
    fields = {"sku": "LAMP-2", "on_hand": 20, "reorder_point": 8, "reorder_quantity": 30}
    fields.update(overrides)
    return StockItem(**fields)


def test_reserve_then_release(inventory):
    inventory.reserve("MUG-01", 15)
    assert inventory.get("MUG-01").available == 25
    inventory.release("MUG-01", 5)
    assert inventory.get("MUG-01").available == 30


def test_reserving_more_than_available_raises(inventory):
    with pytest.raises(OutOfStockError) as excinfo:
        inventory.reserve("TEE-M", 6)
    assert (excinfo.value.requested, excinfo.value.available) == (6, 5)


def test_receive_moves_units_from_on_order_to_on_hand(inventory):
    inventory.receive("TEE-M", 24)
    item = inventory.get("TEE-M")
    assert (item.on_hand, item.on_order) == (29, 0)
    assert inventory.total_units() == 69


def test_needs_reorder_at_or_below_reorder_point():
    assert make_item(on_hand=8).needs_reorder() is True
    assert make_item(on_hand=3).needs_reorder() is True


def test_reserved_units_do_not_count_as_stock():
    assert make_item(on_hand=12, reserved=6).needs_reorder() is True


def test_well_stocked_item_is_not_reordered():
    assert make_item(on_hand=30).needs_reorder() is False


def test_stock_on_order_counts_toward_projection():
    assert make_item(on_hand=5, on_order=30).needs_reorder() is False


def test_discontinued_item_is_never_reordered():
    assert make_item(on_hand=0, discontinued=True).needs_reorder() is False


def test_days_of_cover_at_average_daily_sales():
    assert days_of_cover(20, [2, 4, 2]) == pytest.approx(7.5)


@pytest.mark.parametrize("daily_sales", [[0, 0, 0], []], ids=["no-sales", "no-history"])
def test_days_of_cover_without_sales_is_infinite(daily_sales):
    assert days_of_cover(10, daily_sales) == math.inf


def test_days_of_cover_rejects_negative_numbers():
    with pytest.raises(ValueError, match="stock cannot be negative"):
        days_of_cover(-1, [3, 3])
    with pytest.raises(ValueError, match="sales cannot be negative"):
        days_of_cover(10, [3, -1])
