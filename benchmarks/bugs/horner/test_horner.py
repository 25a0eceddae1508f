from poly import derivative, evaluate


def test_constant():
    assert evaluate([5], 3) == 5


def test_quadratic():
    assert evaluate([1, 2, 3], 2) == 17


def test_no_coefficients():
    assert evaluate([], 4) == 0


def test_derivative():
    assert derivative([1, 2, 3]) == [2, 6]
