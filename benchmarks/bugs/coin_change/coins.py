def min_coins(coins, amount):
    """Fewest coins adding up to ``amount``, or -1 when it cannot be paid."""
    impossible = amount + 1
    best = [0] + [impossible] * amount
    for total in range(1, amount + 1):
        for coin in coins:
            if coin < total and best[total - coin] + 1 < best[total]:
                best[total] = best[total - coin] + 1
    return -1 if best[amount] == impossible else best[amount]
