import itertools
import random

from pairs_out_of_order import count_inversions, is_even_permutation


def check_sorted_has_none():
    assert count_inversions([1, 2, 3, 4]) == 0


def check_reversed_has_every_pair():
    for n in range(8):
        assert count_inversions(list(range(n, 0, -1))) == n * (n - 1) // 2


def check_random_against_combinations():
    rng = random.Random(16)
    for size in range(12):
        items = [rng.randint(0, 9) for _ in range(size)]
        expected = sum(1 for a, b in itertools.combinations(items, 2) if a > b)
        assert count_inversions(items) == expected


def check_identity_is_even():
    assert is_even_permutation([0, 1, 2, 3])


def check_equal_items_are_not_inversions():
    assert count_inversions([5, 5, 5]) == 0
