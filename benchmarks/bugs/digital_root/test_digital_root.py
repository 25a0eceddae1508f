import pytest

from digits import digit_sum, digital_root

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def test_two_digits():
    assert digital_root(16) == 7


def test_two_rounds():
    assert digital_root(942) == 6


def test_zero():
    assert digital_root(0) == 0


def test_digit_sum():
    assert digit_sum(-305) == 8
