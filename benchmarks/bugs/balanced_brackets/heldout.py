from brackets import is_balanced


def check_empty():
    assert is_balanced("")


def check_text_around_brackets():
    assert is_balanced("f(a[0], {b: c})")


def check_single_open():
    assert not is_balanced("[")


def check_unclosed_after_balanced():
    assert not is_balanced("()(")


def check_only_closers():
    assert not is_balanced("}")
