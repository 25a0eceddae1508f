"""Fixes that only the search's order ranks: told apart by tests the search never ran.

Fixes that pass every test can still give different results on one input, and when
nothing but the order they were tried in ranks one first, none is committed
(:func:`~pytest_selfheal._heal.labelling.undecided`). Yet the tests they were judged on are
only those localization measured within its time box; the suite may hold tests that call
the function where they differ. When the failing test hung, those are the likeliest to
have been left out: a test that calls the function on a larger input hangs on the
unchanged code too, so it could never be measured (mpmath's ``isqrt``: three fixes passed
the 28 tests measured; of those never measured, 58 fail ``r - x // r`` and one still
hangs on ``y == r``, and the original ``y >= r`` passes them).

So the tests that use the fixed module and that the search never ran run on each of
those fixes, within a share of the heal's time, a few to a child: one such test may take
seconds, or hang on a fix, and must not keep the others from running. A fix that does
not pass a test that another of them passed is refused
(:meth:`~pytest_selfheal._heal.rounds.Search.refuse`), and the ranking is made again
without it. The tests never ran on the unchanged code, so they only choose among the
fixes, never hold one back alone: when each fix fails a test that another passes, none
is refused.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Limits
from pytest_selfheal._evaluate.contain import SLACK
from pytest_selfheal._heal.alternatives import RESERVE_S, Ranking
from pytest_selfheal._heal.selection import Selection
from pytest_selfheal._heal.survey import module_stem, tested_module, typical_duration
from pytest_selfheal._heal.trust import same_standing
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import Failure, TestRun, Verdict

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer
    from pytest_selfheal._heal.rounds import Search

#: The share of the heal's time that running the untried tests on the tied fixes may
#: take, all of them together.
TIEBREAK_SHARE = 1 / 6
#: Tests run in one child: a piece ends at its limit, while the other pieces go on.
PIECE_SIZE = 8
#: The share of that time a piece may take: a test that never ran may take seconds
#: (mpmath's ``test_polyroots_legendre_init``: 6.8 s), and tests that run in
#: milliseconds and call the function as it is called nowhere else come after it.
PIECE_SHARE = 1 / 8


def tied(ranking: Ranking) -> list[Verdict]:
    """The passing candidates that only the search's order ranks below the first, of
    the same function."""
    first, signals = ranking.verdicts[0], ranking.signals[0]
    return [verdict for verdict, other in zip(ranking.verdicts, ranking.signals, strict=True)
            if verdict.candidate.function == first.candidate.function
            and same_standing(signals, other)]


def untried_tests(healer: Healer, failure: Failure, selection: Selection,
                  path: str) -> list[str]:
    """The tests that use ``path``'s module and never ran in localization or the search,
    likeliest to call its function first: the failing test's own module, then the test
    files named after the module, then the fastest. Tests cut off by a time limit come
    last: they may hang on a fix as they did before."""
    known = selection.seen | {failure.nodeid}
    tests = [n for n in healer.reaching([path]) if n not in known]
    durations = healer.history.durations
    typical = typical_duration(durations, tests)
    module = failure.nodeid.split("::")[0]
    stem = module_stem(path)
    return sorted(tests, key=lambda n: (n in healer.history.hung, n.split("::")[0] != module,
                                        tested_module(n) != stem, durations.get(n, typical)))


def tell_apart(healer: Healer, failure: Failure, found: Search, selection: Selection,
               ranking: Ranking) -> list[str]:
    """Run the untried tests on each fix tied with the first of ``ranking`` and refuse
    those that do not pass a test another of them passed; a note for each refused, none
    when nothing told them apart."""
    fixes = tied(ranking)
    if len(fixes) < 2:
        return []
    function = fixes[0].candidate.function
    tests = untried_tests(healer, failure, selection, function.path)
    if not tests:
        return []
    fresh = [fix for fix in fixes if id(fix.candidate) not in found.untried_runs]
    if fresh:
        # Verifying the winner in a fresh process comes after: it keeps its reserve.
        seconds = min(TIEBREAK_SHARE * healer.settings.timeout_s,
                      selection.workload.deadline - RESERVE_S - time.perf_counter())
        if seconds <= 0:
            return []
        healer.progress(f"{len(fixes)} fixes of {function} only the search's order ranks: "
                        f"running the {len(tests)} tests that use its module and that "
                        f"localization and the search never ran, on {len(fresh)} of them "
                        f"(up to {seconds:.1f}s)")
        # A test that takes long, or hangs on a fix, costs only its piece.
        limits = Limits.within(PIECE_SHARE * seconds, strict=True)
        try:
            runs = healer.evaluator.run_in_pieces(
                [fix.candidate for fix in fresh], tests, limits, size=PIECE_SIZE,
                until=time.perf_counter() + seconds)
        except EvaluationError as exc:
            healer.progress(f"those tests could not be run: {exc}")
            return []
        for fix, run in zip(fresh, runs, strict=True):
            found.untried_runs[id(fix.candidate)] = Untried(run, tuple(tests), PIECE_SIZE,
                                                            limits.timeout_s)
    losers = _losers(fixes, [found.untried_runs[id(fix.candidate)] for fix in fixes])
    if not losers or len(losers) == len(fixes):
        return []
    notes = []
    for fix in fixes:
        if id(fix) not in losers:
            continue
        test, by = losers[id(fix)]
        why = (f"does not pass {test}, a test the search never ran, which "
               f"{by.candidate.description} passes")
        found.refuse(fix, why)
        notes.append(f"refused: {fix.candidate.description} (in {fix.candidate.function}) "
                     f"{why}")
        healer.progress(notes[-1])
    if found.winner is None:
        # The fix that won was refused: the first left of those it was tied with passed
        # every test it did, and is ranked in its place.
        found.winner = next(fix for fix in fixes if id(fix) not in losers)
    return notes


@dataclass(frozen=True)
class Untried:
    """One fix's run of tests the search never ran, made in pieces of ``size`` tests
    (``tests`` in order, a child each) within ``limit_s`` each."""

    run: TestRun
    tests: tuple[str, ...]
    size: int
    limit_s: float

    def through_s(self, test: str) -> float:
        """Seconds the child that ran ``test`` took to be through it."""
        index = self.tests.index(test)
        start = index - index % self.size
        return sum(self.run.durations.get(n, 0.0) for n in self.tests[start:index + 1])


def _losers(fixes: Sequence[Verdict], runs: Sequence[Untried]
            ) -> dict[int, tuple[str, Verdict]]:
    """Each fix that failed, or was cut off in, a test another fix passed, with the first
    such test and that other fix. Being cut off counts only where the other fix was
    through that test well within the cut-off run's limit: so it is not a busy moment of
    the machine."""
    losers: dict[int, tuple[str, Verdict]] = {}
    order = max((untried.tests for untried in runs), key=len)
    for test in order:
        passed = [(fix, untried) for fix, untried in zip(fixes, runs, strict=True)
                  if untried.run.outcomes.get(test) == "passed"]
        for fix, untried in zip(fixes, runs, strict=True):
            outcome = untried.run.outcomes.get(test)
            if id(fix) in losers or outcome == "passed":
                continue
            for other, other_untried in passed:
                if outcome in ("failed", "error") or (
                        test in untried.run.interrupted
                        and SLACK * other_untried.through_s(test) < untried.limit_s):
                    losers[id(fix)] = (test, other)
                    break
    return losers
