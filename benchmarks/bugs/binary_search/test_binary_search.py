from bsearch import binary_search


def test_finds_an_item_in_the_middle():
    assert binary_search([1, 3, 5, 7, 9], 5) == 2


def test_finds_the_first_item():
    assert binary_search([1, 3, 5, 7, 9], 1) == 0


def test_finds_the_last_item():
    assert binary_search([1, 3, 5, 7, 9], 9) == 4


def test_missing_item_is_minus_one():
    assert binary_search([1, 3, 5, 7, 9], 4) == -1


def test_empty_list():
    assert binary_search([], 3) == -1
