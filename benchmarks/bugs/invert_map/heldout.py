from inverse import invert


def check_round_trip():
    mapping = {n: str(n) for n in range(10)}
    assert invert(invert(mapping)) == mapping


def check_tuples():
    assert invert({"p": (1, 2)}) == {(1, 2): "p"}


def check_none_value():
    assert invert({"x": None}) == {None: "x"}


def check_values_are_keys():
    assert set(invert({"a": 1, "b": 2}).values()) == {"a", "b"}


def check_same_key_and_value():
    assert invert({1: 1, 2: 3}) == {1: 1, 3: 2}
