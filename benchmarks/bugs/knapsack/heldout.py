import itertools
import random

from knapsack import knapsack


def brute_force(items, capacity):
    best = 0
    for r in range(len(items) + 1):
        for combo in itertools.combinations(items, r):
            if sum(w for w, _ in combo) <= capacity:
                best = max(best, sum(v for _, v in combo))
    return best


def check_random_instances_match_brute_force():
    rng = random.Random(9)
    for _ in range(30):
        items = [(rng.randint(1, 6), rng.randint(1, 9)) for _ in range(rng.randint(0, 6))]
        capacity = rng.randint(0, 12)
        assert knapsack(items, capacity) == brute_force(items, capacity)


def check_each_item_used_once():
    assert knapsack([(2, 3)], 10) == 3


def check_too_heavy():
    assert knapsack([(6, 100)], 5) == 0


def check_zero_capacity():
    assert knapsack([(1, 5)], 0) == 0


def check_two_exact_items():
    assert knapsack([(2, 3), (3, 4)], 5) == 7
