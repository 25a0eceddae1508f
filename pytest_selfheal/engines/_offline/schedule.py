"""The order one heal's candidates are offered in: single edits in growing batches, and
pairs as soon as a single edit shows it is half of the fix.

A single edit that makes the failing test pass and breaks another test is a *near
miss*: the likeliest half of a two-edit fix. Waiting for every single edit to be
judged before pairing it would spend most of the budget first, so single edits come in
batches (small, then doubling), and a near miss is paired with the single edits already
tried as soon as every single edit of its own function was tried, before the next batch
(the single edits of less suspect functions). When the single
edits run out, :func:`~pytest_selfheal.engines._offline.search.pairs` adds its pairs of likely
edits, and pairs of edits on one line (``== 0`` -> ``<= 1`` is two) follow, whether
or not anything came near.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_selfheal.engines._offline.ranked import RankedEdits
from pytest_selfheal.engines._offline.search import make_pair, normalized, pairs
from pytest_selfheal.models import Candidate, Verdict

#: Single edits in the first batch; each next batch is twice as large.
FIRST_BATCH = 24
#: Tried single edits each near miss is paired with, likeliest first.
PARTNERS = 12
#: Near misses paired after one batch, most tests passed first.
BEAM = 4
#: Lines whose single edits are paired with each other, likeliest line first, and the
#: single edits of each line that take part.
SAME_LINE_LINES = 3
SAME_LINE_EDITS = 12


class Schedule:
    """The candidates of one heal, handed out batch by batch.

    :param originals: path to the module text the single edits were made on.
    :param singles: every single edit, likeliest first, made as they are needed.
    """

    def __init__(self, originals: dict[str, str], singles: RankedEdits) -> None:
        self.originals = originals
        self.edits = singles
        self.cursor = 0
        self.batch = FIRST_BATCH
        self.seeded: set[int] = set()
        self.finished = False
        self.seen: set[str] = set()
        self.seen_upto = 0

    @property
    def singles(self) -> list[Candidate]:
        """The single edits made and ordered so far (all of them once handed out)."""
        return self.edits.settled

    def next_batch(self, feedback: Sequence[Verdict]) -> list[Candidate]:
        """The candidates to judge next, given the verdicts so far; ``[]`` when done."""
        result = self._near_miss_pairs(feedback)
        if self.cursor < len(self.edits.ensure(self.cursor + self.batch)):
            result += self.singles[self.cursor:self.cursor + self.batch]
            self.cursor += self.batch
            self.batch *= 2
        elif not self.finished and not result:
            self.finished = True
            result += pairs(self.originals, self.singles, feedback, self._seen())
            result += self._same_line_pairs()
        return result

    def _seen(self) -> set[str]:
        """The normalized texts of the single edits made so far and of the pairs offered:
        a pair that one of them already is, is left out."""
        self.seen.update(key for c in self.singles[self.seen_upto:]
                         if (key := normalized(c.source)) is not None)
        self.seen_upto = len(self.singles)
        return self.seen

    def _near_miss_pairs(self, feedback: Sequence[Verdict]) -> list[Candidate]:
        failed = {id(v.candidate): v for v in feedback if not v.passed and not v.rejected}
        tried = [c for c in self.singles[:self.cursor] if id(c) in failed]
        # The failing test runs first, so a candidate that passed one test fixed it.
        # A pair waits until every single edit of its function was tried: one edit there
        # is likelier than two, but two in the top suspect are likelier than one in the
        # last.
        near = sorted((c for c in tried if failed[id(c)].tests_passed > 0
                       and id(c) not in self.seeded
                       and _before(self.edits.last_index(str(c.function)), self.cursor)),
                      key=lambda c: -failed[id(c)].tests_passed)[:BEAM]
        result: list[Candidate] = []
        for seed in near:
            self.seeded.add(id(seed))
            for other in tried[:PARTNERS]:
                if other is not seed:
                    pair = make_pair(self.originals, seed, other, self._seen())
                    if pair is not None:
                        result.append(pair)
        return result

    def _same_line_pairs(self) -> list[Candidate]:
        by_line: dict[tuple[str, int], list[Candidate]] = {}
        for candidate in self.singles:
            by_line.setdefault((str(candidate.function), candidate.lineno), []).append(candidate)
        result: list[Candidate] = []
        for edits in list(by_line.values())[:SAME_LINE_LINES]:
            edits = edits[:SAME_LINE_EDITS]
            for index, first in enumerate(edits):
                for second in edits[index + 1:]:
                    pair = make_pair(self.originals, first, second, self._seen())
                    if pair is not None:
                        result.append(pair)
        return result


def _before(index: int | None, cursor: int) -> bool:
    return index is not None and index < cursor
