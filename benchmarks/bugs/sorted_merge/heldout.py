import random

from merging import merge_sorted


def check_random_against_sorted():
    rng = random.Random(1)
    for _ in range(50):
        a = sorted(rng.randint(0, 20) for _ in range(rng.randint(0, 8)))
        b = sorted(rng.randint(0, 20) for _ in range(rng.randint(0, 8)))
        assert merge_sorted(a, b) == sorted(a + b)


def check_ties_take_the_first_list_first():
    a, b = [(1, "a")], [(1, "b")]
    assert merge_sorted(a, b) == [(1, "a"), (1, "b")]


def check_all_of_one_before_the_other():
    assert merge_sorted([5, 6], [1, 2]) == [1, 2, 5, 6]


def check_right_side_empty():
    assert merge_sorted([3, 4], []) == [3, 4]


def check_generators():
    assert merge_sorted(iter([1, 3]), (x for x in [2])) == [1, 2, 3]
