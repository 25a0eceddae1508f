import heapq
import random
from collections import Counter

from prefix_code import code_lengths, encoded_size


def optimal_cost(text):
    weights = list(Counter(text).values())
    if len(weights) == 1:
        return len(text)
    heapq.heapify(weights)
    cost = 0
    while len(weights) > 1:
        merged = heapq.heappop(weights) + heapq.heappop(weights)
        cost += merged
        heapq.heappush(weights, merged)
    return cost


def check_random_texts_are_optimal():
    rng = random.Random(9)
    for _ in range(30):
        text = "".join(rng.choice("abcdefg") for _ in range(rng.randint(1, 60)))
        assert encoded_size(text) == optimal_cost(text)


def check_kraft_equality():
    lengths = code_lengths("the quick brown fox jumps over the lazy dog")
    assert sum(2 ** -n for n in lengths.values()) == 1


def check_one_symbol_needs_one_bit():
    assert code_lengths("zzzz") == {"z": 1}


def check_equal_counts_give_equal_lengths():
    assert set(code_lengths("abcd").values()) == {2}


def check_every_symbol_has_a_code():
    assert set(code_lengths("mississippi")) == set("misp")
