import random

from gaps import largest_gap


def check_random_against_pairs():
    rng = random.Random(2)
    for size in range(2, 30):
        values = [rng.randint(-100, 100) for _ in range(size)]
        ordered = sorted(values)
        assert largest_gap(values) == max(ordered[i + 1] - ordered[i] for i in range(size - 1))


def check_duplicates_only():
    assert largest_gap([4, 4, 4]) == 0


def check_floats():
    assert largest_gap([0.5, 2.0, 0.0]) == 1.5


def check_negative_values():
    assert largest_gap([-10, -3, -4]) == 6


def check_evenly_spaced():
    assert largest_gap(range(0, 100, 7)) == 7
