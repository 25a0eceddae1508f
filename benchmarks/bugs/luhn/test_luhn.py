from checksum import check_digit, luhn_valid


def test_valid_card_number():
    assert luhn_valid("4539 3195 0343 6467")


def test_one_digit_changed():
    assert not luhn_valid("4539 3195 0343 6468")


def test_single_digit_is_never_valid():
    assert not luhn_valid("0")


def test_check_digit():
    assert check_digit("7992739871") == 3
