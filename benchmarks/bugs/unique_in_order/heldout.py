from dedupe import unique


def check_strings_keep_order():
    assert unique(["pear", "apple", "pear", "fig"]) == ["pear", "apple", "fig"]


def check_key_keeps_first_spelling():
    assert unique(["B", "a", "b", "A"], key=str.lower) == ["B", "a"]


def check_empty():
    assert unique([]) == []


def check_generator_input():
    assert unique(x % 3 for x in range(10, 0, -1)) == [1, 0, 2]


def check_unorderable_items():
    assert unique([1, "1", 1]) == [1, "1"]
