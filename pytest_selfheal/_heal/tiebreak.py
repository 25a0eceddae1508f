"""Fixes that only the search's order ranks: told apart by tests that never ran on them.

Fixes that pass every test can still give different results on one input, and when
nothing but the order they were tried in ranks one first, none is committed
(:func:`~pytest_selfheal._heal.labelling.undecided`). Yet the tests they were judged on are
only those localization measured within its time box; the suite may hold tests that call
the function where they differ. When the failing test hung, those are the likeliest to
have been left out: a test that calls the function on a larger input hangs on the
unchanged code too, so it could never be measured (mpmath's ``isqrt``: three fixes passed
the 28 tests measured, and only tests never measured, in three test files, fail the two
wrong ones).

So the tests that use the fixed module and never ran run on each of those fixes, within
a share of the heal's time. A fix that does not pass a test that another of them passed
is refused (:meth:`~pytest_selfheal._heal.rounds.Search.refuse`), and the ranking is
made again without it. The tests never ran on the unchanged code, so they only choose
among the fixes, never hold one back alone: when each fix fails a test that another
passes, none is refused.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Limits
from pytest_selfheal._evaluate.contain import SLACK
from pytest_selfheal._heal.alternatives import RESERVE_S, Ranking
from pytest_selfheal._heal.selection import Selection
from pytest_selfheal._heal.survey import module_stem, tested_module
from pytest_selfheal._heal.trust import same_standing
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import Failure, TestRun, Verdict

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer
    from pytest_selfheal._heal.rounds import Search

#: The share of the heal's time that running the untried tests on the tied fixes may
#: take, all of them together.
TIEBREAK_SHARE = 1 / 6


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
    known = {*selection.measured, *selection.workload.expected, failure.nodeid}
    tests = [n for n in healer.reaching([path]) if n not in known]
    durations = healer.history.durations
    typical = statistics.median(durations[n] for n in tests if n in durations) if any(
        n in durations for n in tests) else 0.0
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
                        f"running the {len(tests)} tests that use its module and never ran "
                        f"on {len(fresh)} of them (up to {seconds:.1f}s)")
        limits = Limits.within(seconds / len(fresh), strict=True)
        try:
            for fix in fresh:
                run = healer.evaluator.run(tests, limits, spread=True, candidate=fix.candidate)
                found.untried_runs[id(fix.candidate)] = (run, limits.timeout_s)
        except EvaluationError as exc:
            healer.progress(f"those tests could not be run: {exc}")
            return []
    runs = [found.untried_runs[id(fix.candidate)] for fix in fixes]
    losers = _losers(fixes, runs, tests, healer.evaluator.workers)
    if not losers or len(losers) == len(fixes):
        return []
    notes = []
    for fix in fixes:
        if id(fix) not in losers:
            continue
        test, by = losers[id(fix)]
        why = (f"does not pass {test}, a test that never ran before and that "
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


def _losers(fixes: Sequence[Verdict], runs: Sequence[tuple[TestRun, float]],
            tests: Sequence[str], workers: int) -> dict[int, tuple[str, Verdict]]:
    """Each fix that failed, or was cut off in, a test another fix passed, with the first
    such test and that other fix; ``runs`` are each fix's run with its time limit. Being
    cut off counts only where the other fix was through that test well within the limit:
    so it is not a busy moment of the machine."""
    losers: dict[int, tuple[str, Verdict]] = {}
    shares = [list(tests[k::workers]) for k in range(workers)]
    for index, test in enumerate(tests):
        share = shares[index % workers]
        before = share[:share.index(test) + 1]
        passed = [(fix, run) for fix, (run, _) in zip(fixes, runs, strict=True)
                  if run.outcomes.get(test) == "passed"]
        if not passed:
            continue
        for fix, (run, limit_s) in zip(fixes, runs, strict=True):
            if id(fix) in losers or run.outcomes.get(test) == "passed":
                continue
            outcome = run.outcomes.get(test)
            for other, other_run in passed:
                through_s = sum(other_run.durations.get(n, 0.0) for n in before)
                if outcome in ("failed", "error") or (
                        test in run.interrupted and SLACK * through_s < limit_s):
                    losers[id(fix)] = (test, other)
                    break
    return losers
