from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from pytest_selfheal._evaluate.behaviour import MAX_CALLS, BehaviourRecorder
from pytest_selfheal._evaluate.contain import PathCost
from pytest_selfheal._evaluate.measuring import FORK
from pytest_selfheal._heal.alternatives import TRACING_SLACK, Contest, _watch_limits
from pytest_selfheal._heal.labelling import watched_tests
from pytest_selfheal.models import Candidate, FunctionRef, Verdict


@dataclass
class Costs:
    """What the watch limits read of the evaluator: what a fork run costs here."""

    costs: dict[str, PathCost] = field(default_factory=dict)


def limit_for(tests_s: float | None) -> float:
    cost = PathCost()
    cost.observe(1, 0.5, 0.0)
    evaluator = Costs({FORK: cost})
    function = FunctionRef("pkg/core.py", "Keyword.parseImpl", 10, 40)
    winner = Verdict(Candidate(function, "", "swap", "loc + 1 -> loc - 1", 12), True,
                     "passed", 258, 258, runtime_s=8.0)
    contest = Contest(evaluator, "", tuple(f"t{n}" for n in range(27)),  # type: ignore[arg-type]
                      ("failing",), deadline=1e9, tests_s=tests_s)
    return _watch_limits(contest, [winner], remaining=600.0, explore=False).timeout_s


def test_a_watch_is_limited_by_what_its_own_tests_cost():
    # pyparsing's Keyword fix took 8 s on the 258 tests of its search; the 28 tests
    # watched for what it changes took 0.4 s, and the watch was allowed 130 s of the heal.
    assert limit_for(0.4) < limit_for(None) / 4
    assert limit_for(None) >= 5 * 3 * 8.0


def test_only_the_fastest_tests_that_fit_in_the_watch_are_watched():
    # pyparsing's Keyword.parseImpl runs in 600 of its tests: tracing them all took
    # longer than finding the fix did.
    durations = {f"t{n}": 0.01 * n for n in range(600)}
    chosen = watched_tests(list(reversed(durations)), durations, watch_s=5.0)
    assert chosen[:3] == ("t0", "t1", "t2")
    assert TRACING_SLACK * sum(durations[n] for n in chosen) <= 5.0
    assert len(chosen) == 14
    # A test never timed counts as typical of the rest; a small project's all fit.
    assert watched_tests(["a", "b", "new"], {"a": 0.001, "b": 0.002}, 5.0) == ("a", "new", "b")


def test_tests_that_may_run_the_function_fill_what_time_the_known_ones_leave():
    # mpmath's isqrt: the box ran out before any test was known to run the function,
    # and three fixes that differ on an input could not be ranked on nothing.
    durations = {"known": 0.5, "fast": 0.01, "slow": 0.8}
    assert watched_tests(["known"], durations, 5.0, maybe=["slow", "fast"]) == (
        "known", "fast")
    assert watched_tests([], durations, 5.0, maybe=["slow", "fast"]) == ("fast", "slow")


def test_a_test_that_called_the_function_all_it_may_record_runs_on_untraced():
    # Every call of every function went through the recorder's hook until the test
    # ended, though nothing more of it was recorded.
    def double(x: int) -> int:
        return 2 * x

    events: list[dict[str, Any]] = []
    recorder = BehaviourRecorder(double, events.append)  # type: ignore[arg-type]
    previous = sys.gettrace()
    recorder.start()
    try:
        for n in range(MAX_CALLS + 50):
            double(n)
        traced_after = sys.gettrace()
        recorder.take("t::first")
        traced_next = sys.gettrace()
        double(1000)
        recorder.take("t::second")
    finally:
        recorder.stop()
        sys.settrace(previous)
    assert traced_after is None
    assert traced_next is not None
    first, second = events
    assert len(first["calls"]) == MAX_CALLS
    assert first["calls"][-1] == [f"({MAX_CALLS - 1},)", str(2 * (MAX_CALLS - 1))]
    assert second["calls"] == [["(1000,)", "2000"]]
