"""shopkit: the order and checkout helpers behind the web shop.

The package is split by concern:

* :mod:`shopkit.pricing`   - money rounding, tax, discounts and bulk pricing
* :mod:`shopkit.cart`      - the shopping cart and its totals
* :mod:`shopkit.inventory` - stock levels, reservations and reorder decisions
* :mod:`shopkit.shipping`  - parcel rates, free shipping and delivery estimates
* :mod:`shopkit.dates`     - business-day arithmetic
* :mod:`shopkit.stats`     - sales statistics
* :mod:`shopkit.textutils` - slugs and display text
"""

__version__ = "0.4.2"
