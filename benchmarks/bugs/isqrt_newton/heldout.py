import math

import pytest

from roots import is_square, isqrt

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def check_against_math_isqrt():
    for n in range(3000):
        assert isqrt(n) == math.isqrt(n)


def check_large_number():
    n = 10**40 + 12345
    assert isqrt(n) == math.isqrt(n)


def check_one_below_a_square():
    assert isqrt(35) == 5


def check_two():
    assert isqrt(2) == 1


def check_not_square():
    assert not is_square(50)
