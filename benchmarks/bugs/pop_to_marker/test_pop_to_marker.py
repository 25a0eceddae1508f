from unwind import pop_until


def test_down_to_marker():
    assert pop_until([1, 2, "(", 3, 4], "(") == [4, 3]


def test_marker_missing():
    assert pop_until([1, 2], "(") == [2, 1]


def test_empty():
    assert pop_until([], "x") == []
