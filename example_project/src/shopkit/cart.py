"""The shopping cart: lines, quantities and totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shopkit.pricing import round_money

MAX_QUANTITY_PER_LINE = 99


@dataclass
class CartLine:
    """One product in the cart."""

    sku: str
    name: str
    unit_price: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        """Unit price times quantity, rounded to cents."""
        return round_money(self.unit_price * self.quantity)


class Cart:
    """A customer's cart. Prices are net; ``tax_rate`` is added on top at the end.

    :param tax_rate: sales tax as a fraction, ``Decimal("0.08")`` for 8 %.
    """

    def __init__(self, tax_rate: Decimal = Decimal("0")) -> None:
        if tax_rate < 0:
            raise ValueError(f"tax rate cannot be negative: {tax_rate}")
        self.tax_rate = tax_rate
        self._lines: dict[str, CartLine] = {}

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def lines(self) -> list[CartLine]:
        """The lines in the order their products were first added."""
        return list(self._lines.values())

    def add(self, sku: str, name: str, unit_price: Decimal, quantity: int = 1) -> CartLine:
        """Add ``quantity`` units; adding a product already in the cart raises its quantity."""
        if unit_price < 0:
            raise ValueError(f"unit price cannot be negative: {unit_price}")
        line = self._lines.get(sku)
        new_quantity = quantity + (line.quantity if line else 0)
        _check_quantity(new_quantity)
        if line is None:
            line = self._lines[sku] = CartLine(sku, name, unit_price, new_quantity)
        else:
            line.quantity = new_quantity
        return line

    def set_quantity(self, sku: str, quantity: int) -> None:
        """Change a line's quantity; zero removes the line."""
        if sku not in self._lines:
            raise KeyError(f"{sku!r} is not in the cart")
        if quantity == 0:
            del self._lines[sku]
            return
        _check_quantity(quantity)
        self._lines[sku].quantity = quantity

    def remove(self, sku: str) -> None:
        """Take a product out of the cart (no error if it is not there)."""
        self._lines.pop(sku, None)

    def item_count(self) -> int:
        """Total units across all lines."""
        return sum(line.quantity for line in self._lines.values())

    def subtotal(self) -> Decimal:
        """Sum of the line totals, before tax."""
        return sum((line.total for line in self._lines.values()), Decimal("0.00"))

    def tax(self) -> Decimal:
        """Tax on the subtotal, rounded to cents."""
        return round_money(self.subtotal() * self.tax_rate)

    def total(self) -> Decimal:
        """What the customer pays: subtotal plus tax."""
        return self.subtotal() + self.tax()


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY_PER_LINE:
        raise ValueError(f"quantity must be between 1 and {MAX_QUANTITY_PER_LINE}, got {quantity}")
