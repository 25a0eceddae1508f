from bsearch import binary_search


def check_single_item_found():
    assert binary_search([42], 42) == 0


def check_every_position_of_a_long_list():
    items = list(range(0, 200, 3))
    for index, value in enumerate(items):
        assert binary_search(items, value) == index


def check_absent_values_below_between_and_above():
    items = [10, 20, 30, 40]
    assert binary_search(items, 5) == -1
    assert binary_search(items, 25) == -1
    assert binary_search(items, 45) == -1


def check_two_items():
    assert binary_search([1, 2], 2) == 1
    assert binary_search([1, 2], 1) == 0


def check_negative_numbers():
    assert binary_search([-9, -4, -1, 0, 6], -4) == 1
