from knapsack import fits, knapsack


def test_empty():
    assert knapsack([], 10) == 0


def test_classic_example():
    assert knapsack([(1, 1), (3, 4), (4, 5), (5, 7)], 7) == 9


def test_item_that_exactly_fits():
    assert knapsack([(5, 10)], 5) == 10


def test_fits():
    assert fits([(2, 1), (3, 1)], 5)
