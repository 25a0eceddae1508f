import random

from stones import last_stone_weight


def simulate(weights):
    stones = sorted(weights)
    while len(stones) > 1:
        first, second = stones.pop(), stones.pop()
        if first != second:
            stones.append(first - second)
            stones.sort()
    return stones[0] if stones else 0


def check_random_against_a_sorted_list():
    rng = random.Random(6)
    for size in range(12):
        weights = [rng.randint(1, 30) for _ in range(size)]
        assert last_stone_weight(weights) == simulate(weights)


def check_two_different_stones():
    assert last_stone_weight([10, 4]) == 6


def check_all_equal_even_count():
    assert last_stone_weight([2, 2, 2, 2]) == 0


def check_all_equal_odd_count():
    assert last_stone_weight([2, 2, 2]) == 2


def check_input_left_alone():
    weights = [1, 3]
    last_stone_weight(weights)
    assert weights == [1, 3]
