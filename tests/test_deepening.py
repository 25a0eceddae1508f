"""The order in which candidates cut off in a test of unknown time are tried again."""

from __future__ import annotations

from pytest_selfheal._evaluate.deepening import MAX_LEVEL, Deepening, last_level


def test_fresh_items_alternate_with_put_back_ones_best_rank_times_time_first():
    queue = Deepening(iter(["a", "b", "c", "d"]), stop=lambda: False)
    assert next(queue) == "a"
    queue.put_back("a2", level=1, rank=0)
    assert next(queue) == "a2"
    assert next(queue) == "b"
    queue.put_back("b2", level=1, rank=1)
    queue.put_back("a3", level=2, rank=0)  # rank 0 at 4x the time ties rank 1 at 2x
    assert next(queue) == "a3"
    assert next(queue) == "c"
    assert next(queue) == "b2"
    assert next(queue) == "d"


def test_an_emptied_queue_hands_out_items_put_back_later():
    queue = Deepening(iter(["a"]), stop=lambda: False)
    assert list(queue) == ["a"]
    assert next(queue, None) is None
    queue.put_back("a2", level=1, rank=0)
    assert next(queue) == "a2"
    assert next(queue, None) is None


def test_past_the_last_level_nothing_is_put_back_and_waiting_ones_are_listed():
    queue = Deepening(iter([]), stop=lambda: False)
    assert not queue.put_back("x", level=MAX_LEVEL + 1, rank=0)
    assert queue.put_back("y", level=1, rank=3)
    assert queue.waiting() == ["y"]


def test_stop_ends_the_queue_whatever_is_waiting():
    stopped = []
    queue = Deepening(iter(["a", "b"]), stop=lambda: bool(stopped))
    queue.put_back("z", level=1, rank=0)
    assert next(queue) == "a"
    stopped.append(True)
    assert next(queue, None) is None
    assert queue.waiting() == ["z"]


def test_lower_ranks_get_fewer_doublings_and_the_first_gets_them_all():
    # A batch of hanging mutants costs a few first limits each, not 32 times as many.
    queue = Deepening(iter([]), stop=lambda: False)
    assert queue.put_back("first", level=MAX_LEVEL, rank=0)
    assert not queue.put_back("second", level=MAX_LEVEL, rank=1)
    assert queue.put_back("second", level=MAX_LEVEL - 1, rank=1)
    assert not queue.put_back("thirty-second", level=1, rank=31)
    assert [last_level(rank) for rank in range(40)] == sorted(
        (last_level(rank) for rank in range(40)), reverse=True)
