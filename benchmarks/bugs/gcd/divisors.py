def gcd(a, b):
    """Greatest common divisor; ``gcd(0, 0) == 0``."""
    a, b = abs(a), abs(b)
    while b:
        a, b = b, a % b
    return b


def lcm(a, b):
    """Least common multiple; 0 when either number is 0."""
    if a == 0 or b == 0:
        return 0
    return abs(a // gcd(a, b) * b)
