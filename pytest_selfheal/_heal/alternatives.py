"""Choosing among candidates that all pass: find a few more, watch them, rank them.

The search takes candidates likeliest first and the first to pass every test used to
win. But the edit that fits the tests first is not always the fix: so after it, the
search goes on for a few more passing candidates (bounded in number and in time), and
each of them, with the original code, runs the tests that passed before while its
function is recorded (:meth:`~pytest_selfheal._evaluate.Evaluator.observe`). The winner
is the one that changes least of what those tests saw and has no anti-pattern
(:mod:`~pytest_selfheal._heal.trust`); with two or more, they are also called on new inputs,
and one on which they disagree is kept for the report
(:mod:`~pytest_selfheal._heal.distinguish`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pytest_selfheal._evaluate import Evaluator, Limits, Workload
from pytest_selfheal._evaluate.antipatterns import anti_patterns
from pytest_selfheal._evaluate.behaviour import EXPLORE_S
from pytest_selfheal._evaluate.measuring import FORK
from pytest_selfheal._heal.distinguish import call_text, disagreement, paste_test
from pytest_selfheal._heal.trust import (
    compare,
    hangs_near,
    nearby_inputs,
    rank_key,
    same_result,
    same_standing,
)
from pytest_selfheal.engines._offline.search import normalized
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import Candidate, Disagreement, Signals, TestRun, Verdict

#: Passing candidates compared at most, the first winner included.
MOST_PASSING = 5
#: Candidates after the first winner tried at most to find the others.
MORE_CANDIDATES = 60
#: Seconds the search for more passing candidates may take at least; at most as long
#: as judging the first took (a real library's tests take seconds per candidate), or
#: the search to find it, whichever is shorter.
MORE_SECONDS = 5.0
#: Time left before the deadline under which nothing is watched: verifying the winner
#: in a fresh process comes first.
RESERVE_S = 5.0
#: How many times a plain fork run a watched run may take: the recording traces every
#: call of the test code.
TRACING_SLACK = 5.0


@dataclass(frozen=True)
class Contest:
    """The passing candidates of one heal and what ranking them needs.

    :param tests: tests that passed before the fix and run the function (or may: they
        use its module): what a right fix should change little of.
    :param seeds: tests run besides those, only for the arguments they call the function
        with, from which inputs are made (the failing test).
    :param hung: the failing test hung on the original code: a fix must end the loop,
        so even a lone passing candidate is called on new inputs, to see that it does.
    """

    evaluator: Evaluator
    original: str
    tests: tuple[str, ...]
    seeds: tuple[str, ...]
    deadline: float
    hung: bool = False
    #: Seconds ``tests`` and ``seeds`` took on the unchanged code, those that finished.
    tests_s: float | None = None
    progress: Callable[[str], None] = lambda text: None


@dataclass(frozen=True)
class Ranking:
    """The passing candidates, best first, with what was measured of each."""

    verdicts: tuple[Verdict, ...]
    signals: tuple[Signals, ...]
    disagreement: Disagreement | None = None
    #: A candidate that gives another result on the disagreement's input ranks below
    #: the first by the search's order alone: nothing says which of them is right.
    undecided: bool = False
    #: When the failing test hung: a call near the tests' own on which the first
    #: candidate still does not return (every other one passing did not either).
    still_hangs: str | None = None
    #: The passing candidates that still do not return near the tests' calls, each with
    #: the first such call: they dodge the loop the failing test hung in.
    dodges: tuple[tuple[Verdict, str], ...] = ()


def more_passing(
    candidates: Sequence[Candidate],
    winner: Verdict,
    workload: Workload,
    verdicts: Sequence[Verdict],
    judge: Callable[[Sequence[Candidate], Workload, float], Verdict | None],
    search_s: float,
) -> list[Verdict]:
    """``winner`` and up to ``MOST_PASSING - 1`` more distinct candidates after it in
    ``candidates`` that pass ``workload``'s first ``winner.tests_total`` tests.

    :param judge: runs candidates until one passes, stopping at a time given.
    :param search_s: seconds the search took to find ``winner``.
    """
    workload = replace(workload, expected=dict(list(workload.expected.items())
                                               [:winner.tests_total]))
    start = next((i for i, c in enumerate(candidates) if c is winner.candidate), None)
    if start is None:
        return [winner]
    stop_at = min(workload.deadline - RESERVE_S,
                  time.perf_counter() + max(MORE_SECONDS, min(search_s, winner.runtime_s)))
    found = [winner]
    seen = {code_identity(winner.candidate.source)}
    rest = list(candidates[start + 1:start + 1 + MORE_CANDIDATES])
    while rest and len(found) < MOST_PASSING and time.perf_counter() < stop_at:
        # Candidates already judged beside the last one to pass (they ran at the same
        # time) are not run again.
        judged = {id(v.candidate): v for v in verdicts}
        done = next((i for i, c in enumerate(rest) if id(c) in judged), None)
        fresh = rest if done is None else rest[:done]
        verdict = judge(fresh, workload, stop_at) if fresh else None
        if verdict is None:
            if done is None:
                break
            verdict = judged[id(rest[done])]
            rest = rest[done + 1:]
            if not (verdict.passed or verdict.tests_passed >= winner.tests_total):
                continue
        else:
            rest = rest[rest.index(verdict.candidate) + 1:]
        identity = code_identity(verdict.candidate.source)
        if identity not in seen:
            seen.add(identity)
            found.append(verdict)
    return found


def rank(contest: Contest, passing: Sequence[Verdict]) -> Ranking:
    """The passing candidates ranked, best first; in the search's order, unmeasured,
    when there is no time or no fork to watch them in."""
    first = passing[0].candidate
    statics = [tuple(anti_patterns(contest.original, v.candidate.source,
                                   v.candidate.function.qualname)) for v in passing]
    signals = [Signals(change=v.candidate.description, anti_patterns=found)
               for v, found in zip(passing, statics, strict=True)]
    remaining = contest.deadline - RESERVE_S - time.perf_counter()
    same = [v for v in passing if v.candidate.function == first.function]
    runs = None
    if remaining > 1.0 and contest.tests + contest.seeds:
        original = Candidate(first.function, contest.original, "original",
                             "the original code", 0)
        explore = len(same) > 1 or contest.hung
        # The failing test hung on the original code: run there, it would only spend the
        # watch's whole time.
        tests_of = {0: contest.tests} if contest.hung else None
        limits = _watch_limits(contest, same, remaining, explore)
        contest.progress(f"watching what {len(contest.tests) + len(contest.seeds)} tests see "
                         f"of the original code and {len(same)} fix(es) "
                         f"(up to {limits.timeout_s:.1f}s)")
        try:
            # The failing test first, as the search ran it: a test run before it may leave
            # state behind (pyparsing's parser cache) under which it crawls to the limit.
            runs = contest.evaluator.observe(
                [original, *(v.candidate for v in same)], list(contest.seeds + contest.tests),
                limits, explore=explore, tests_of=tests_of)
        except EvaluationError:
            # Watching is extra evidence about a fix already found: when the fork server
            # cannot do it, the candidates are ranked unmeasured and the fix is not lost.
            runs = None
    # The watched runs of the passing candidates that went right, by verdict.
    measured: dict[int, TestRun] = {}
    if runs is not None:
        measured = {id(v): run for v, run in zip(same, runs[1:], strict=True)
                    if run is not None and not run.problem}
    if runs is not None and runs[0] is not None:
        nearby = nearby_inputs(runs[0], contest.tests)
        for index, verdict in enumerate(passing):
            run = measured.get(id(verdict))
            if run is not None:
                signals[index] = replace(
                    compare(runs[0], run, contest.tests, verdict.candidate, contest.original,
                            nearby, [peer for peer in measured.values() if peer is not run]),
                    anti_patterns=statics[index])
    hangs: dict[int, str] = {}
    if contest.hung and runs is not None:
        for verdict, run in zip(same, runs[1:], strict=True):
            text = hangs_near(run, contest.tests + contest.seeds) if run is not None else None
            if text is not None:
                hangs[id(verdict.candidate)] = text
    # A candidate that still hangs near the tests' calls dodged the loop the failing test
    # hung in: any that does not ranks first.
    order = sorted(range(len(passing)),
                   key=lambda i: (id(passing[i].candidate) in hangs, rank_key(signals[i], i)))
    ranked = [passing[i] for i in order]
    hanging = hangs.get(id(ranked[0].candidate))
    still_hangs = None if hanging is None else call_text(ranked[0].candidate.function,
                                                         hanging)
    found = None
    if runs is not None:
        entries = [(v.candidate, measured[id(v)]) for v in ranked
                   if id(v) in measured and v.candidate.function == ranked[0].candidate.function]
        found = disagreement(entries)
    ranked_signals = tuple(signals[i] for i in order)
    undecided = found is not None and _undecided(found, entries, ranked, ranked_signals,
                                                  set(hangs))
    if found is not None and undecided:
        found = replace(found, test=paste_test(ranked[0].candidate.function, found.call,
                                               found.outputs, committed=False))
    dodges = tuple((v, call_text(v.candidate.function, hangs[id(v.candidate)]))
                   for v in ranked if id(v.candidate) in hangs)
    return Ranking(tuple(ranked), ranked_signals, found, undecided, still_hangs, dodges)


def _undecided(found: Disagreement, entries: Sequence[tuple[Candidate, TestRun]],
               ranked: Sequence[Verdict], signals: Sequence[Signals],
               hanging: set[int]) -> bool:
    """Whether a candidate that gives another result than the first on ``found``'s input
    has the same standing as the first: only the order edits were tried in put the
    first ahead, and that order is no evidence about which result is right. (``hanging``:
    the ids of candidates that still hang near the tests' calls, which rank below.)"""
    by_candidate = {id(v.candidate): s for v, s in zip(ranked, signals, strict=True)}
    first = by_candidate[id(entries[0][0])]
    first_hangs = id(entries[0][0]) in hanging
    return any(not same_result(output, found.outputs[0][1])
               and same_standing(first, by_candidate[id(candidate)])
               and (id(candidate) in hanging) == first_hangs
               for (candidate, _), (_, output) in zip(entries[1:], found.outputs[1:],
                                                       strict=True))



def code_identity(source: str) -> str:
    """What tells two candidates' code apart: formatting and comments do not."""
    return normalized(source) or source


def _watch_limits(contest: Contest, passing: Sequence[Verdict], remaining: float,
                  explore: bool) -> Limits:
    """Limits of one watched run: a few times what a fork run of the watched tests
    costs, as the recording traces every call, plus the time for calls on new inputs;
    never the heal's whole time, as the original code may hang on the failing test that
    is watched for its arguments.

    The watched tests are those of the function, a few of what the candidates were
    judged on: pyparsing's right ``Keyword`` fix took 8 s on the 258 tests of its
    search, and its 28 watched tests were given five times three times that."""
    cost = contest.evaluator.costs[FORK]
    if not cost.known:
        return Limits.within(remaining)
    slowest = max(verdict.runtime_s for verdict in passing)
    tests_s = slowest if contest.tests_s is None else min(slowest, contest.tests_s)
    run_s = cost.limits(len(contest.tests) + len(contest.seeds), tests_s).timeout_s
    return Limits.within(min(remaining, TRACING_SLACK * run_s + (EXPLORE_S if explore else 0)))
