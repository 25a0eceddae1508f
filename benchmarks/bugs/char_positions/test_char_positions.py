from index import positions


def test_repeated_letter():
    assert positions("aba") == {"a": [0, 2], "b": [1]}


def test_all_distinct():
    assert positions("abc") == {"a": [0], "b": [1], "c": [2]}


def test_one_letter_repeated():
    assert positions("aa") == {"a": [0, 1]}


def test_empty():
    assert positions("") == {}
