from unwind import pop_until


def check_stack_keeps_what_is_below():
    stack = [1, "(", 2]
    pop_until(stack, "(")
    assert stack == [1]


def check_missing_marker_empties_stack():
    stack = [1, 2, 3]
    pop_until(stack, 0)
    assert stack == []


def check_marker_on_top():
    assert pop_until([1, "("], "(") == []


def check_first_marker_from_top():
    assert pop_until(["(", 1, "(", 2], "(") == [2]


def check_only_marker():
    assert pop_until(["("], "(") == []
