from gaps import gaps


def test_three_events():
    assert gaps([1, 4, 9]) == [3, 5]


def test_no_events():
    assert gaps([]) == []


def test_one_event():
    assert gaps([2]) == []


def test_same_time():
    assert gaps([0, 0, 1]) == [0, 1]
