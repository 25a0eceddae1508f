def mean(xs):
    """Arithmetic mean of a non-empty sequence."""
    return sum(xs) / len(xs)


def variance(xs):
    """Population variance."""
    m = mean(xs)
    return sum((x - m) * 2 for x in xs) / len(xs)


def stdev(xs):
    """Population standard deviation."""
    return variance(xs) ** 0.5
