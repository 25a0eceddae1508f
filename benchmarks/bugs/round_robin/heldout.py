from itertools import chain, zip_longest

from scheduler import round_robin

MISSING = object()


def reference(queues):
    rounds = zip_longest(*queues, fillvalue=MISSING)
    return [item for item in chain.from_iterable(rounds) if item is not MISSING]


def check_against_zip_longest():
    cases = [[[1, 2, 3], [4], [5, 6]], [[1], [2], [3]], [[1, 2, 3, 4]], [[], [], [7, 8]]]
    for queues in cases:
        assert round_robin(queues) == reference(queues)


def check_single_queue_keeps_its_order():
    assert round_robin([[3, 1, 2]]) == [3, 1, 2]


def check_every_item_once():
    queues = [list(range(i, i + 5)) for i in range(0, 50, 5)]
    assert sorted(round_robin(queues)) == list(range(50))


def check_input_not_consumed():
    queues = [[1, 2], [3]]
    round_robin(queues)
    assert queues == [[1, 2], [3]]


def check_equal_lengths_alternate():
    assert round_robin(["xy", "12"]) == ["x", "1", "y", "2"]
