from pairs import count_pairs, two_sum


def test_pair_in_order():
    assert two_sum([2, 7, 11, 15], 9) == (0, 1)


def test_pair_out_of_order():
    assert two_sum([3, 1, 2], 5) == (0, 2)


def test_no_pair():
    assert two_sum([1, 2], 10) is None


def test_count_pairs():
    assert count_pairs([1, 2, 3, 4], 5) == 2
