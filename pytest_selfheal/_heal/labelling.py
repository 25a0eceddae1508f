"""After the search: rank the winner among other passing candidates, then label it.

The first candidate to pass every test is not always the fix: the candidates after it
in the last round that pass too are compared with it (:mod:`~pytest_selfheal._heal.alternatives`),
and the best of them is labelled ``verified`` or ``plausible`` by what the held-out
tests saw of its changed lines (:mod:`~pytest_selfheal._heal.trust`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Workload
from pytest_selfheal._heal.alternatives import (
    MORE_SECONDS,
    TRACING_SLACK,
    Contest,
    Ranking,
    more_passing,
    rank,
)
from pytest_selfheal._heal.localize import Spectrum
from pytest_selfheal._heal.outcomes import candidate_diff, heal_outcome, leaderboard, rejections
from pytest_selfheal._heal.survey import typical_duration
from pytest_selfheal._heal.trust import assess, changed_hunks, confirming_tests
from pytest_selfheal.models import (
    Assurance,
    Candidate,
    Failure,
    HealOutcome,
    HealStatus,
    Suspect,
    Verdict,
)

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer
    from pytest_selfheal._heal.rounds import Search
    from pytest_selfheal._heal.selection import Baseline, Selection


def rank_found(healer: Healer, failure: Failure, found: Search, selection: Selection,
               spectrum: Spectrum, baseline: Baseline) -> Ranking:
    """``found.winner`` and the other passing candidates of its round after it, best
    first."""
    assert found.winner is not None
    winner = found.winner
    workload = selection.search_workload()
    verdicts = found.verdicts

    def record(verdict: Verdict) -> None:
        verdicts.append(verdict)
        healer.observe(verdict)

    def judge(rest: Sequence[Candidate], load: Workload, stop_at: float) -> Verdict | None:
        return healer.evaluator.first_passing(
            rest, load, stop_at=stop_at,
            on_verdict=record, reject=healer.screen_candidate)

    function = winner.candidate.function
    started = workload.deadline - healer.settings.timeout_s
    passing = more_passing(found.tried, winner, workload, verdicts, judge,
                           search_s=time.perf_counter() - started)
    if len(passing) > 1:
        healer.progress(f"{len(passing)} candidates pass every test: comparing what they do")
    before = baseline.outcomes
    running = [n for n in spectrum.tests_running(function) if before.get(n) == "passed"]
    known = set(running)
    # Where the box ran out, few tests are known to run the function (mpmath's isqrt:
    # none, and three fixes that differ on an input could not be ranked): tests this
    # session ran that use its module may call it too, and cost nothing if they do not.
    history = healer.history
    maybe = [n for n in healer.reaching([function.path])
             if n in history.durations and n not in history.hung and n != failure.nodeid
             and n not in spectrum.failing and n not in known]
    tests = watched_tests(running, baseline.durations,
                          max(MORE_SECONDS, max(v.runtime_s for v in passing)), maybe=maybe)
    hung = failure.nodeid in healer.history.hung
    # A fix of a test that hung takes a time never measured on the unchanged code: its
    # watch keeps the candidates' own.
    watched_s = None if hung else sum(baseline.durations.get(n, 0.0)
                                      for n in (*tests, failure.nodeid))
    contest = Contest(healer.evaluator, healer.read_source(function.path), tests,
                      (failure.nodeid,), workload.deadline, hung=hung, tests_s=watched_s,
                      progress=healer.progress)
    return rank(contest, passing)


def watched_tests(tests: Sequence[str], durations: Mapping[str, float], watch_s: float,
                  maybe: Sequence[str] = ()) -> tuple[str, ...]:
    """The fastest of ``tests`` whose recorded runs fit in ``watch_s`` together, then
    the fastest of ``maybe`` (tests that may run the function) in what time is left: a
    real library's function runs in hundreds of tests (pyparsing's ``Keyword`` in 600),
    and tracing them all took longer than finding the fix. ``watch_s`` is as long as
    judging a passing candidate took, the search's own measure of what a run of the
    tests costs."""
    typical = typical_duration(durations, tests)
    chosen: list[str] = []
    spent = 0.0
    for group in (tests, maybe):
        for nodeid in sorted(group, key=lambda n: durations.get(n, typical)):
            spent += TRACING_SLACK * durations.get(nodeid, typical)
            if spent > watch_s:
                return tuple(chosen)
            chosen.append(nodeid)
    return tuple(chosen)


def label(healer: Healer, found: Search, selection: Selection, spectrum: Spectrum,
          ranking: Ranking) -> Assurance:
    """The label of the ranking's first candidate, the winner: held-out tests that ran
    its changed lines and passed confirm it; what the ranking found may cast doubt on it."""
    candidate = ranking.verdicts[0].candidate
    held_out = list(selection.held_out)
    hunks = changed_hunks(healer.read_source(candidate.function.path), candidate.source)
    confirming = confirming_tests(held_out, hunks, candidate.function.path,
                                  spectrum.coverage)
    assurance = assess(held_out, confirming, ranking.signals, ranking.disagreement,
                       candidate.function)
    searched = len(selection.searched)
    # Only candidates the search reached before its winner count: they were all judged
    # whatever the timing, while which later ones a worker had started is chance.
    order = {id(c): index for index, c in enumerate(found.tried)}
    first = found.winner.candidate if found.winner is not None else candidate
    cut = order.get(id(first), len(found.tried))

    def before_the_winner(verdict: Verdict) -> bool:
        index = order.get(id(verdict.candidate))
        return index is None or index < cut

    # A refused candidate passed every test, the held-out ones too: it chose nothing.
    if held_out and any(not v.passed and not v.rejected and v.tests_passed >= searched
                        and before_the_winner(v) for v in found.still_eligible()):
        # A candidate that passed every searched test failed a held-out one: the
        # held-out tests chose among candidates, so they no longer confirm the winner.
        assurance = replace(assurance, label="plausible", doubts=(
            *assurance.doubts, "the tests the search never ran rejected another "
            "candidate that passed the others: they chose this fix, they cannot also "
            "confirm it"))
    return assurance


def undecided(healer: Healer, failure: Failure, suspects: Sequence[Suspect], found: Search,
              ranking: Ranking) -> HealOutcome:
    """The heal of ``failure`` left undone: fixes that pass every test give different
    results on one input and nothing but the order they were tried in ranks one first:
    none changes fewer results than another, of the tests that passed or near their
    calls, and none has an anti-pattern the other lacks.

    Committing the first would be a guess, and a wrong fix the user merges is worse than
    none: the fixes, the input and a test to paste are reported instead, so that the
    user's answer decides on the next run. When something does rank one first (``age >=
    18`` keeps what ``age > 18`` gave at 16, where ``age != 17`` does not), it is committed
    as plausible, with the input shown all the same.
    """
    assert ranking.disagreement is not None
    best = ranking.verdicts[0].candidate
    count = len(ranking.verdicts)
    reason = (f"not committed: {count} fixes pass every test and give different results "
              f"for {ranking.disagreement.call}, and nothing but the order they were tried "
              f"in ranks one first (none changes fewer results of the tests that passed, or "
              f"near their calls); the first was {best.description} (in {best.function})")
    return unhealed(healer, failure, suspects, found, ranking, reason)


def unhealed(healer: Healer, failure: Failure, suspects: Sequence[Suspect], found: Search,
             ranking: Ranking, reason: str) -> HealOutcome:
    """An unhealed outcome that shows the first candidate's diff and what was measured."""
    best = ranking.verdicts[0].candidate
    return replace(heal_outcome(failure, healer.engine.name, HealStatus.UNHEALED, reason,
                                suspects),
                   candidates_evaluated=len(found.verdicts), generations=found.rounds,
                   diff=candidate_diff(best, healer.old_source),
                   disagreement=ranking.disagreement, signals=ranking.signals,
                   leaderboard=leaderboard(found.verdicts),
                   rejected=rejections(found.verdicts))
