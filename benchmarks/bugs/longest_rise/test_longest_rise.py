from streaks import longest_rise


def test_all_rising():
    assert longest_rise([1, 2, 3]) == 3


def test_all_falling():
    assert longest_rise([3, 2, 1]) == 1


def test_rise_after_a_drop():
    assert longest_rise([3, 1, 2, 3]) == 3


def test_empty():
    assert longest_rise([]) == 0


def test_single_value():
    assert longest_rise([5]) == 1
