from infix import evaluate, to_postfix


def check_single_number():
    assert to_postfix(["7"]) == ["7"]


def check_minus_is_left_associative():
    assert evaluate(["8", "-", "3", "-", "2"]) == 3


def check_nested_parentheses():
    assert to_postfix(["(", "(", "1", "+", "2", ")", "*", "(", "3", "-", "4", ")", ")"]) == [
        "1", "2", "+", "3", "4", "-", "*"]


def check_division_and_sum():
    assert evaluate(["1", "+", "6", "/", "4"]) == 2.5


def check_against_python():
    expressions = ["1+2*3-4", "(1+2)*(3+4)", "9/3/3", "2*3+4*5-6/2", "((2))*5"]
    for text in expressions:
        assert evaluate(list(text)) == eval(text)
