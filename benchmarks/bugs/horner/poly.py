def evaluate(coefficients, x):
    """Value at ``x`` of c0 + c1*x + c2*x**2 + ... by Horner's rule."""
    if not coefficients:
        return 0
    return coefficients[0] + x * evaluate(coefficients, x)


def derivative(coefficients):
    """Coefficients of the derivative, lowest power first."""
    return [power * c for power, c in enumerate(coefficients)][1:]
