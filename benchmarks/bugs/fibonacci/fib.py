def fibonacci(n):
    """The n-th Fibonacci number: ``fibonacci(0) == 0``, ``fibonacci(1) == 1``."""
    if n < 0:
        raise ValueError("n must be non-negative")
    a, b = 0, 1
    for _ in range(n):
        a, b = a + b, b
    return a


def fibonacci_list(count):
    """The first ``count`` Fibonacci numbers."""
    return [fibonacci(n) for n in range(count)]
