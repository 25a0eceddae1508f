import random

from mergerec import merge


def check_random():
    rng = random.Random(3)
    for _ in range(40):
        a = sorted(rng.randint(0, 9) for _ in range(rng.randint(0, 6)))
        b = sorted(rng.randint(0, 9) for _ in range(rng.randint(0, 6)))
        assert merge(a, b) == sorted(a + b)


def check_all_right_smaller():
    assert merge([7, 8], [1, 2, 3]) == [1, 2, 3, 7, 8]


def check_ties():
    assert merge([1, 1], [1]) == [1, 1, 1]


def check_strings():
    assert merge(["b", "d"], ["a", "c"]) == ["a", "b", "c", "d"]


def check_both_empty():
    assert merge([], []) == []
