import itertools

from powerset import subsets, subsets_of_size


def check_count_doubles_with_each_item():
    for n in range(9):
        assert len(subsets(list(range(n)))) == 2 ** n


def check_all_distinct():
    found = subsets([1, 2, 3, 4, 5])
    assert len({tuple(s) for s in found}) == 32


def check_order_of_items_is_kept():
    for subset in subsets([5, 3, 8, 1]):
        assert subset == [x for x in [5, 3, 8, 1] if x in subset]


def check_matches_itertools_by_size():
    items = list("wxyz")
    for size in range(5):
        expected = sorted(list(c) for c in itertools.combinations(items, size))
        assert sorted(subsets_of_size(items, size)) == expected


def check_full_set_is_last():
    assert subsets([1, 2, 3])[-1] == [1, 2, 3]
