from __future__ import annotations

from dataclasses import dataclass, field

from pytest_selfheal._evaluate.contain import PathCost
from pytest_selfheal._evaluate.measuring import FORK
from pytest_selfheal._heal.alternatives import Contest, _watch_limits
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
