from divisor_count import count_divisors, is_prime


def check_one():
    assert count_divisors(1) == 1


def check_against_brute_force():
    for n in range(1, 300):
        assert count_divisors(n) == sum(1 for d in range(1, n + 1) if n % d == 0)


def check_one_is_not_prime():
    assert not is_prime(1)


def check_sum_over_the_first_ten():
    assert sum(count_divisors(n) for n in range(1, 11)) == 27


def check_highly_composite():
    assert count_divisors(720) == 30
