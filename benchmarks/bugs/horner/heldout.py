import random

from poly import derivative, evaluate


def check_random_against_powers():
    rng = random.Random(4)
    for degree in range(8):
        coefficients = [rng.randint(-9, 9) for _ in range(degree + 1)]
        for x in range(-3, 4):
            assert evaluate(coefficients, x) == sum(c * x**i for i, c in enumerate(coefficients))


def check_at_zero_is_the_constant_term():
    assert evaluate([7, 100, 100], 0) == 7


def check_at_one_is_the_sum():
    assert evaluate([1, 2, 3, 4], 1) == 10


def check_derivative_value():
    assert evaluate(derivative([0, 0, 0, 1]), 2) == 12


def check_fraction():
    assert evaluate([0, 0, 4], 0.5) == 1.0
