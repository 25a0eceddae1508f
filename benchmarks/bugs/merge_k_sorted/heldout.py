import random

from kmerge import merge_k


def check_random():
    rng = random.Random(5)
    for _ in range(30):
        lists = [sorted(rng.randint(0, 9) for _ in range(rng.randint(0, 4)))
                 for _ in range(rng.randint(0, 4))]
        assert merge_k(lists) == sorted(x for items in lists for x in items)


def check_one_list():
    assert merge_k([[1, 2, 3]]) == [1, 2, 3]


def check_ties():
    assert merge_k([[1], [1], [1]]) == [1, 1, 1]


def check_all_empty():
    assert merge_k([[], []]) == []


def check_long_and_short():
    assert merge_k([[0, 10, 20, 30], [15]]) == [0, 10, 15, 20, 30]
