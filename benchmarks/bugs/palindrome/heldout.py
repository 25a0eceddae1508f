from palindrome import is_palindrome


def check_number_palindrome():
    assert is_palindrome("12321")


def check_mixed_letters_and_digits():
    assert not is_palindrome("1a2")
    assert not is_palindrome("a1b2")
    assert is_palindrome("No 1 on")


def check_single_character():
    assert is_palindrome("x")


def check_case_insensitive():
    assert is_palindrome("Racecar")


def check_punctuation_only():
    assert is_palindrome("!?!")
