import pytest

from roots import is_square, isqrt

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def test_perfect_square():
    assert isqrt(16) == 4


def test_rounds_down():
    assert isqrt(10) == 3


def test_zero_and_one():
    assert [isqrt(0), isqrt(1)] == [0, 1]


def test_negative():
    with pytest.raises(ValueError):
        isqrt(-4)


def test_is_square():
    assert is_square(49)
