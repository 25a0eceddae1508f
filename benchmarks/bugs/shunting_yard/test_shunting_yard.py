from infix import evaluate, to_postfix


def test_sum():
    assert to_postfix(["1", "+", "2"]) == ["1", "2", "+"]


def test_product_binds_tighter():
    assert to_postfix(["1", "+", "2", "*", "3"]) == ["1", "2", "3", "*", "+"]


def test_parentheses():
    assert to_postfix(["(", "1", "+", "2", ")", "*", "3"]) == ["1", "2", "+", "3", "*"]


def test_evaluate():
    assert evaluate(["2", "*", "(", "3", "+", "4", ")"]) == 14
