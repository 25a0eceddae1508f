from powerset import subsets, subsets_of_size


def test_empty_set_has_one_subset():
    assert subsets([]) == [[]]


def test_one_item():
    assert subsets([1]) == [[], [1]]


def test_two_items():
    assert subsets([1, 2]) == [[], [2], [1], [1, 2]]


def test_pairs_of_three():
    assert sorted(subsets_of_size("abc", 2)) == [["a", "b"], ["a", "c"], ["b", "c"]]
