"""Stock levels, reservations and reorder decisions for the warehouse.

Units move through three states: *on hand* (on the shelf), *reserved* (on the shelf
but promised to an open order) and *on order* (bought from a supplier, not yet
delivered). Only on-hand units that are not reserved can be sold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


class OutOfStockError(Exception):
    """Raised when an order asks for more units than are available."""

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(f"{sku}: requested {requested}, only {available} available")
        self.sku = sku
        self.requested = requested
        self.available = available


@dataclass
class StockItem:
    """One SKU in the warehouse.

    :param on_hand: units physically on the shelf.
    :param reorder_point: raise a purchase order when projected stock falls to this.
    :param reorder_quantity: units a purchase order normally asks for.
    :param reserved: units promised to open orders and not shipped yet.
    :param on_order: units on purchase orders that have not arrived yet.
    :param discontinued: the product is being phased out and sold down.
    """

    sku: str
    on_hand: int
    reorder_point: int
    reorder_quantity: int
    reserved: int = 0
    on_order: int = 0
    discontinued: bool = False

    @property
    def available(self) -> int:
        """Units that can still be promised to customers."""
        return self.on_hand - self.reserved

    def needs_reorder(self) -> bool:
        """Whether a purchase order should be raised for this item now.

        Units already on order count toward the projected stock, so an item is not
        ordered twice; discontinued items are never reordered.
        """
        projected = self.available + self.on_order
        return not self.discontinued or projected <= self.reorder_point


class Inventory:
    """The stock items of one warehouse, by SKU."""

    def __init__(self, items: Iterable[StockItem] = ()) -> None:
        self._items: dict[str, StockItem] = {}
        for item in items:
            self.add(item)

    def __contains__(self, sku: object) -> bool:
        return sku in self._items

    def __iter__(self) -> Iterator[StockItem]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: StockItem) -> None:
        """Start tracking ``item``; SKUs must be unique."""
        if item.sku in self._items:
            raise ValueError(f"duplicate SKU {item.sku!r}")
        self._items[item.sku] = item

    def get(self, sku: str) -> StockItem:
        """The item for ``sku``; raises ``KeyError`` naming the SKU if unknown."""
        try:
            return self._items[sku]
        except KeyError:
            raise KeyError(f"unknown SKU {sku!r}") from None

    def reserve(self, sku: str, quantity: int) -> None:
        """Promise ``quantity`` units of ``sku`` to an order.

        :raises OutOfStockError: if fewer than ``quantity`` units are available.
        """
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        item = self.get(sku)
        if quantity > item.available:
            raise OutOfStockError(sku, quantity, item.available)
        item.reserved += quantity

    def release(self, sku: str, quantity: int) -> None:
        """Return ``quantity`` reserved units to available stock (a cancelled order)."""
        item = self.get(sku)
        if not 0 < quantity <= item.reserved:
            raise ValueError(f"cannot release {quantity} of {item.reserved} reserved units")
        item.reserved -= quantity

    def ship(self, sku: str, quantity: int) -> None:
        """Reserved units leave the warehouse."""
        item = self.get(sku)
        if not 0 < quantity <= item.reserved:
            raise ValueError(f"cannot ship {quantity} of {item.reserved} reserved units")
        item.reserved -= quantity
        item.on_hand -= quantity

    def receive(self, sku: str, quantity: int) -> None:
        """A supplier delivery arrived: the units move from on order to on hand."""
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        item = self.get(sku)
        item.on_hand += quantity
        item.on_order = max(0, item.on_order - quantity)

    def total_units(self) -> int:
        """Units on hand across all items."""
        return sum(item.on_hand for item in self._items.values())


def days_of_cover(on_hand: int, daily_sales: Sequence[int]) -> float:
    """How many days ``on_hand`` units last at the average rate of ``daily_sales``.

    Returns ``math.inf`` when nothing sold in the period (or there is no history
    yet): at that rate the stock never runs out.
    """
    if on_hand < 0:
        raise ValueError(f"stock cannot be negative: {on_hand}")
    if any(sold < 0 for sold in daily_sales):
        raise ValueError("daily sales cannot be negative")
    average = sum(daily_sales) / len(daily_sales) if daily_sales else 0.0
    if average:
        return math.inf
    return on_hand / average
