from scheduler import round_robin


def test_two_queues():
    assert round_robin([[1, 2], [3]]) == [1, 3, 2]


def test_three_queues():
    assert round_robin(["ab", "c", "def"]) == ["a", "c", "d", "b", "e", "f"]


def test_no_queues():
    assert round_robin([]) == []


def test_empty_queue_is_skipped():
    assert round_robin([[], [1]]) == [1]
