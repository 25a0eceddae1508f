import string

from cipher import caesar


def check_rot13_twice_is_identity():
    text = "The Quick Brown Fox"
    assert caesar(caesar(text, 13), 13) == text


def check_full_alphabet_shift():
    assert caesar(string.ascii_lowercase, 1) == string.ascii_lowercase[1:] + "a"


def check_uppercase_wrap():
    assert caesar("Z", 1) == "A"


def check_negative_shift():
    assert caesar("a", -1) == "z"


def check_shift_of_26_is_identity():
    assert caesar("Hello", 26) == "Hello"
