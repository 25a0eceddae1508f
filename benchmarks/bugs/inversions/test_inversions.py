from pairs_out_of_order import count_inversions, is_even_permutation


def test_one_swap():
    assert count_inversions([2, 1]) == 1


def test_smallest_last():
    assert count_inversions([3, 1, 2]) == 2


def test_last_two_swapped():
    assert count_inversions([1, 3, 2]) == 1


def test_single_swap_is_odd():
    assert not is_even_permutation([2, 1, 3])
