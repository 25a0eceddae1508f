"""Iterative deepening for candidates judged on a test whose time is not known.

A test that hangs on the unchanged code has no measured duration, so its candidates
are first given limits from the tests that do finish. A fix may still need longer than
those (mpmath's ``test_sqrt`` takes half a second where its neighbours take
milliseconds), while most mutants of a hanging loop hang too. So a candidate cut off in
such a test is not failed but put back, with twice the time, behind the fresh
candidates it alternates with. Put-back candidates are ordered by rank times the
time they were given: the best-ranked get longer soon, the others a few short tries,
so a looping mutant costs a geometric series of short limits and a slow fix, ranked
high as fixes usually are, gets the time it needs.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

#: Doublings a candidate gets at most: 32 times the first limit.
MAX_LEVEL = 5


def last_level(rank: int) -> int:
    """Doublings the candidate at ``rank`` (0 first) gets: all of them for the first,
    one fewer each time the rank doubles (16 times the first limit from the second, 8
    from the fourth, ..., none from the 32nd). Most mutants of a hanging loop hang too,
    and each spends about twice its last limit: with every rank deepened alike, a batch
    of 24 that all hang cost 1,500 first limits, where this costs under 300, while a
    slow fix, ranked high as fixes usually are, still gets the time it needs."""
    return max(0, MAX_LEVEL - (rank + 1).bit_length() + 1)


class Deepening(Generic[T]):
    """Fresh items in order, alternating with put-back ones, lowest rank x time first.

    An iterator that may run dry and later have items again (when one is put back), so
    that a scheduler asking it for work whenever a worker is free keeps going.

    :param fresh: the items in rank order.
    :param stop: asked before each item; when true, nothing more is handed out.
    """

    def __init__(self, fresh: Iterator[T], stop: Callable[[], bool]) -> None:
        self._fresh: Iterator[T] | None = fresh
        self._stop = stop
        self._again: list[tuple[int, int, int, T]] = []
        self._put_back = 0
        self._turn_of_fresh = True

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._stop():
            raise StopIteration
        if self._again and (not self._turn_of_fresh or self._fresh is None):
            self._turn_of_fresh = True
            return heapq.heappop(self._again)[3]
        self._turn_of_fresh = False
        if self._fresh is not None:
            item = next(self._fresh, None)
            if item is not None:
                return item
            self._fresh = None
        if self._again:
            return heapq.heappop(self._again)[3]
        raise StopIteration

    def put_back(self, item: T, level: int, rank: int) -> bool:
        """Hand ``item`` out again later at ``level`` (``False``: past the last level of
        its rank, :func:`last_level`)."""
        if level > last_level(rank):
            return False
        self._put_back += 1
        heapq.heappush(self._again, ((rank + 1) << level, rank, self._put_back, item))
        return True

    def waiting(self) -> list[T]:
        """The items put back and not handed out again."""
        return [entry[3] for entry in sorted(self._again)]
