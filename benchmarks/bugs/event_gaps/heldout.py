from gaps import gaps


def check_tens():
    assert gaps([10, 20, 35]) == [10, 15]


def check_range():
    assert gaps(list(range(5))) == [1, 1, 1, 1]


def check_floats():
    assert gaps([1.0, 2.5]) == [1.5]


def check_two_equal():
    assert gaps([5, 5]) == [0]


def check_negative_start():
    assert gaps([-2, 3, 3, 10]) == [5, 0, 7]
