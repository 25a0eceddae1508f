from cipher import caesar, decode


def test_shift_by_one():
    assert caesar("abc", 1) == "bcd"


def test_wraps_around_the_end_of_the_alphabet():
    assert caesar("xyz", 3) == "abc"


def test_keeps_case_and_punctuation():
    assert caesar("Hi, Bob!", 2) == "Jk, Dqd!"


def test_decode_undoes_encode():
    assert decode(caesar("secret", 5), 5) == "secret"
