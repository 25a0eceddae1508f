from inverse import invert


def test_two():
    assert invert({"a": 1, "b": 2}) == {1: "a", 2: "b"}


def test_empty():
    assert invert({}) == {}


def test_one():
    assert invert({0: "zero"}) == {"zero": 0}
