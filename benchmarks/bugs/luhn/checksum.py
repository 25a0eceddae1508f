def luhn_valid(number):
    """Whether a card number passes the Luhn check; spaces are ignored."""
    digits = [int(ch) for ch in reversed(number.replace(" ", ""))]
    if len(digits) < 2:
        return False
    total = sum(digits[0::2])
    for d in digits:
        doubled = d * 2
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def check_digit(partial):
    """The digit that makes ``partial`` followed by it pass the Luhn check."""
    for d in range(10):
        if luhn_valid(partial + str(d)):
            return d
    raise ValueError(f"no check digit for {partial!r}")
