from roman import roman_to_int


def test_single_symbol():
    assert roman_to_int("X") == 10


def test_additive():
    assert roman_to_int("VIII") == 8


def test_subtractive():
    assert roman_to_int("IX") == 9


def test_year():
    assert roman_to_int("MCMXCIV") == 1994
