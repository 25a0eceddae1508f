from brackets import is_balanced


def test_nested():
    assert is_balanced("{[()()]}")


def test_wrong_order():
    assert not is_balanced("([)]")


def test_unopened_close():
    assert not is_balanced("())")


def test_unclosed_open():
    assert not is_balanced("((")
