import pytest

from fib import fibonacci, fibonacci_list


def test_first_two():
    assert fibonacci(0) == 0
    assert fibonacci(1) == 1


def test_tenth():
    assert fibonacci(10) == 55


def test_list():
    assert fibonacci_list(6) == [0, 1, 1, 2, 3, 5]


def test_negative_is_an_error():
    with pytest.raises(ValueError):
        fibonacci(-2)
