from distance import edit_distance


def check_single_insertion():
    assert edit_distance("cat", "cats") == 1


def check_single_substitution():
    assert edit_distance("cat", "cut") == 1


def check_symmetric():
    for a, b in [("flaw", "lawn"), ("intention", "execution"), ("", "xy")]:
        assert edit_distance(a, b) == edit_distance(b, a)


def check_known_values():
    assert edit_distance("intention", "execution") == 5
    assert edit_distance("flaw", "lawn") == 2


def check_both_empty():
    assert edit_distance("", "") == 0
