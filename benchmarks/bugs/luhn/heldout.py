import checksum
from checksum import luhn_valid


def reference(number):
    digits = [int(ch) for ch in number.replace(" ", "")]
    total = 0
    for position, d in enumerate(reversed(digits)):
        if position % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) > 1 and total % 10 == 0


def check_every_three_digit_number():
    for n in range(1000):
        number = f"{n:03d}"
        assert luhn_valid(number) == reference(number)


def check_known_numbers():
    assert luhn_valid("79927398713")
    assert luhn_valid("4111 1111 1111 1111")
    assert not luhn_valid("1234 5678 9012 3456")


def check_short_valid_number():
    assert luhn_valid("059")


def check_digit_of_a_visa_test_number():
    assert checksum.check_digit("4111 1111 1111 111") == 1


def check_swapping_neighbours_is_caught():
    assert not luhn_valid("79927398731")
