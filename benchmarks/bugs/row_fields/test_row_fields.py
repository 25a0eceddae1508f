from rows import parse_row


def test_two_values():
    assert parse_row("7, a, b", ["x", "y"]) == ("7", {"x": "a", "y": "b"})


def test_id_only():
    assert parse_row("1", []) == ("1", {})


def test_one_value():
    assert parse_row("k,1", ["n"]) == ("k", {"n": "1"})
