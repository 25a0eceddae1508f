from distance import edit_distance


def test_identical_words():
    assert edit_distance("kitten", "kitten") == 0


def test_classic_example():
    assert edit_distance("kitten", "sitting") == 3


def test_from_empty():
    assert edit_distance("", "abc") == 3


def test_to_empty():
    assert edit_distance("abc", "") == 3
