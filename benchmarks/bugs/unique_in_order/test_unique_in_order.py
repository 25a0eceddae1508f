from dedupe import unique


def test_no_repeats():
    assert unique([1, 2, 3]) == [1, 2, 3]


def test_repeats_removed():
    assert unique([1, 1, 2, 1]) == [1, 2]


def test_first_seen_order():
    assert unique([3, 1, 3, 2]) == [3, 1, 2]


def test_key():
    assert unique(["a", "A", "b"], key=str.lower) == ["a", "b"]
