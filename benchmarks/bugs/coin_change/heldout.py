from coins import min_coins


def check_greedy_is_not_optimal():
    assert min_coins([1, 3, 4], 6) == 2


def check_single_coin_type():
    assert min_coins([7], 21) == 3


def check_large_amount():
    assert min_coins([1, 5, 10, 25], 63) == 6


def check_exact_single_coin():
    assert min_coins([3, 7], 7) == 1


def check_no_coins():
    assert min_coins([], 4) == -1
