from stairs import count_ways


def check_three_stairs():
    assert count_ways(3) == 3


def check_ten_stairs():
    assert count_ways(10) == 89


def check_matches_fibonacci():
    a, b = 1, 1
    for n in range(1, 30):
        assert count_ways(n) == b
        a, b = b, a + b


def check_four_stairs():
    assert count_ways(4) == 5


def check_large():
    assert count_ways(50) == 20365011074
