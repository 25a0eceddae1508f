from rle import decode, encode


def test_empty():
    assert encode("") == ""


def test_runs():
    assert encode("aaabcc") == "a3b1c2"


def test_single_character():
    assert encode("z") == "z1"


def test_decode():
    assert decode("a3b1") == "aaab"
