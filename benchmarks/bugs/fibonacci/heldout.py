from fib import fibonacci


def check_recurrence():
    for n in range(2, 40):
        assert fibonacci(n) == fibonacci(n - 1) + fibonacci(n - 2)


def check_second():
    assert fibonacci(2) == 1


def check_twentieth():
    assert fibonacci(20) == 6765


def check_large():
    assert fibonacci(90) == 2880067194370816120


def check_seventh():
    assert fibonacci(7) == 13
