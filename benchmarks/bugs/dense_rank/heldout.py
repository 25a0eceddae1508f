import random

from ranks import dense_rank


def check_random_against_counting_smaller():
    rng = random.Random(13)
    for size in range(20):
        values = [rng.randint(0, 9) for _ in range(size)]
        assert dense_rank(values) == [len({v for v in values if v < x}) + 1 for x in values]


def check_no_gaps_after_ties():
    assert dense_rank([1, 1, 1, 2]) == [1, 1, 1, 2]


def check_strings():
    assert dense_rank(["b", "a", "c", "a"]) == [2, 1, 3, 1]


def check_length_is_kept():
    assert len(dense_rank([4, 4, 4, 4, 9])) == 5


def check_descending():
    assert dense_rank([9, 7, 5]) == [3, 2, 1]
