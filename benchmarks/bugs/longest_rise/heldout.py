import random

from streaks import longest_rise


def brute(values):
    best = 0
    for i in range(len(values)):
        j = i
        while j + 1 < len(values) and values[j + 1] > values[j]:
            j += 1
        best = max(best, j - i + 1)
    return best


def check_longest_run_first():
    assert longest_rise([1, 2, 3, 1, 2]) == 3


def check_alternating():
    assert longest_rise([1, 2, 1, 2, 1, 2]) == 2


def check_random_against_brute_force():
    rng = random.Random(18)
    for size in range(30):
        values = [rng.randint(0, 6) for _ in range(size)]
        assert longest_rise(values) == brute(values)


def check_equal_values_break_a_run():
    assert longest_rise([1, 2, 2, 3]) == 2


def check_second_run_longer():
    assert longest_rise([5, 6, 0, 1, 2, 3]) == 4
