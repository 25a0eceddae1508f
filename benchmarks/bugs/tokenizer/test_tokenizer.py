import pytest

from lexer import tokenize

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def test_sum():
    assert tokenize("1 + 2") == [1, "+", 2]


def test_many_digits_and_parentheses():
    assert tokenize("(3*45)") == ["(", 3, "*", 45, ")"]


def test_empty():
    assert tokenize("") == []


def test_unknown_character():
    with pytest.raises(ValueError):
        tokenize("x")
