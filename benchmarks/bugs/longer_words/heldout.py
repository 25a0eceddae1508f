from wordfilter import longer_than


def check_empty():
    assert longer_than([], 2) == []


def check_order_kept():
    assert longer_than(["ccc", "a", "bbbb"], 2) == ["ccc", "bbbb"]


def check_equal_length_left_out():
    assert longer_than(["abc"], 3) == []


def check_sentence():
    assert longer_than("the quick brown fox".split(), 3) == ["quick", "brown"]


def check_duplicates():
    assert longer_than(["hey", "hey"], 2) == ["hey", "hey"]
