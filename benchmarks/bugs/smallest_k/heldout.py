from smallest import smallest


def check_zero():
    assert smallest([3, 2], 0) == []


def check_all_exactly():
    assert smallest([9, 8, 7], 3) == [7, 8, 9]


def check_one_more():
    assert smallest([9, 8, 7], 4) == [7, 8, 9]


def check_generator():
    assert smallest((x * x for x in range(-3, 4)), 10) == [0, 1, 1, 4, 4, 9, 9]


def check_strings():
    assert smallest("banana", 2) == ["a", "a"]
