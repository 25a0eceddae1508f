import random
from collections import Counter

from majority import majority


def reference(items):
    for value, count in Counter(items).items():
        if count > len(items) // 2:
            return value
    return None


def check_random_lists():
    rng = random.Random(12)
    for size in range(1, 40):
        items = [rng.choice("aab") for _ in range(size)]
        assert majority(items) == reference(items)


def check_majority_at_the_end():
    assert majority([1, 2, 3, 3, 3]) == 3


def check_half_is_not_enough():
    assert majority([4, 4, 5, 6]) is None


def check_all_the_same():
    assert majority(["x"] * 7) == "x"


def check_strings_as_sequences():
    assert majority("abaca") == "a"
