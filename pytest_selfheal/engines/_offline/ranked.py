"""The single edits of a heal's suspects, likeliest first, made only as far as they are
handed out.

A real library's suspects are large functions: making every edit of all of them
before the first batch cost seconds, while the first batch holds the top suspects'
edits only. Each suspect's edits are made when its best possible edit could still
come next, so the order is exactly that of making all of them and sorting. A suspect's
edits are planned at once (where and how each edits: enough to weigh it) and each is
written out, the costly part, only when it is settled: pyparsing's ``_parseNoCache``
has 2,500 edits, which took 4 s to write.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pytest_selfheal.models import Candidate

#: One suspect's edits with their weights, in the order they were planned, each
#: written out when it is settled (``None``: it could not be).
Weighted = list[tuple[float, Callable[[], Candidate | None]]]


@dataclass(frozen=True)
class Maker:
    """How to make one suspect's edits, and the highest weight any of them can have.

    :param function: the suspect function, as ``path::qualname``.
    """

    function: str
    bound: float
    make: Callable[[], Weighted]


class RankedEdits:
    """Single edits in order of weight (ties in the order their suspects were listed),
    settled lazily.

    :param makers: one per suspect, in the order the suspects were listed.
    """

    def __init__(self, makers: Sequence[Maker]) -> None:
        self._pending = dict(enumerate(makers))
        # (-weight, suspect index, index within its suspect's edits, function, writer)
        self._heap: list[tuple[float, int, int, str, Callable[[], Candidate | None]]] = []
        self._unsettled: dict[str, int] = {}
        self._last: dict[str, int] = {}
        #: The edits settled so far, likeliest first: their order never changes.
        self.settled: list[Candidate] = []

    @property
    def complete(self) -> bool:
        """Whether every edit was made and settled."""
        return not self._pending and not self._heap

    def ensure(self, count: int) -> list[Candidate]:
        """Settle at least ``count`` edits (all of them when there are fewer)."""
        while len(self.settled) < count and not self.complete:
            waiting = min(((-maker.bound, index) for index, maker in self._pending.items()),
                          default=None)
            if self._heap and (waiting is None or self._heap[0][:2] < waiting):
                _, _, _, function, write = heapq.heappop(self._heap)
                candidate = write()
                self._unsettled[function] -= 1
                if candidate is not None:
                    self.settled.append(candidate)
                if self._unsettled[function] == 0:
                    self._last[function] = len(self.settled) - 1
            else:
                assert waiting is not None
                self._make(waiting[1])
        return self.settled

    def last_index(self, function: str) -> int | None:
        """Where the last edit of ``function`` stands among the settled ones; ``None``
        while some of its edits are not settled."""
        if any(maker.function == function for maker in self._pending.values()):
            return None
        return self._last.get(function)

    def _make(self, suspect: int) -> None:
        maker = self._pending.pop(suspect)
        edits = maker.make()
        function = maker.function
        for position, (weight, write) in enumerate(edits):
            self._unsettled[function] = self._unsettled.get(function, 0) + 1
            self._last.pop(function, None)
            heapq.heappush(self._heap, (-weight, suspect, position, function, write))
