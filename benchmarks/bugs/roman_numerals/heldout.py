from roman import roman_to_int


def check_small_numbers():
    expected = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
    assert [roman_to_int(n) for n in expected] == list(range(1, 11))


def check_forty_and_ninety():
    assert roman_to_int("XL") == 40
    assert roman_to_int("XC") == 90


def check_big():
    assert roman_to_int("MMMCMXCIX") == 3999


def check_repeated_equal_symbols():
    assert roman_to_int("CCC") == 300


def check_descending_mix():
    assert roman_to_int("DCLXVI") == 666
