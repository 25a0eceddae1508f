from names import initials


def test_two_names():
    assert initials(["Ada Lovelace"]) == ["AL"]


def test_one_word():
    assert initials(["Plato"]) == ["P"]


def test_several():
    assert initials(["Alan Turing", "Grace Brewster Hopper"]) == ["AT", "GBH"]
