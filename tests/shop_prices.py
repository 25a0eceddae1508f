"""``shop/prices.py`` of the tests of which tests a candidate can change: ``discounted``
gives no discount at 100 (``>`` for ``>=``)."""

PRICES = '''\
def total(prices):
    return sum(prices)


def discounted(price):
    if price > 100:
        return price * 0.9
    return price
'''
