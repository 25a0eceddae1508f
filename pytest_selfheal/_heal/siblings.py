"""A fix of the failing test alone, when no candidate also fixes the other failing tests
of the same code (the siblings): taken only when it leaves them as they were.

The siblings most often fail for the same cause as the test being healed, and an edit
that repairs that cause repairs them too. One that passes this test and leaves them
failing either fixes one of several bugs (the siblings fail for another one, in code the
edit does not touch) or fits this test by compensating for the cause elsewhere: a caller
that undoes what a wrong helper returns, a branch that returns what this test expects.
The second kind changes what the edited function does in the siblings, which still fail;
the first does not. So the function is watched in the siblings, with the original code
and with the edit, and the edit is taken only when it returns the same things there.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Limits
from pytest_selfheal._heal.selection import Selection
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import Behaviour, Candidate, TestRun, Verdict

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer

#: Seconds the siblings may take to be watched at least, even past the heal's deadline:
#: the search is over by then, and a fix without this check is never taken.
LEAST_WATCH_S = 5.0


def fits_this_test_alone(verdicts: list[Verdict], required: int) -> Verdict | None:
    """The first candidate that passed every searched and held-out test but not the
    siblings; only once the search is over, as the engine hands candidates out in
    batches and a later one may fix the siblings too."""
    for verdict in verdicts:
        if not verdict.rejected and not verdict.passed and verdict.tests_passed >= required:
            return verdict
    return None


def adopt(verdicts: list[Verdict], verdict: Verdict, required: int) -> Verdict:
    """``verdict`` made the search's winner: it passed the ``required`` tests."""
    winner = replace(verdict, passed=True, reason="passed", tests_total=required)
    verdicts[verdicts.index(verdict)] = winner
    return winner


def leaves_siblings_alone(healer: Healer, verdict: Verdict, selection: Selection) -> bool:
    """Whether the edited function returns the same things in every sibling test with
    the edit as with the original code; ``False`` when that cannot be watched."""
    candidate = verdict.candidate
    function = candidate.function
    original = Candidate(function, healer.read_source(function.path), "original",
                         "the original code", 0)
    seconds = max(LEAST_WATCH_S, selection.workload.deadline - time.perf_counter())
    nodeids = list(selection.siblings)
    try:
        before, after = healer.evaluator.observe([original, candidate], nodeids,
                                                 Limits.within(seconds), explore=False)
    except EvaluationError:
        return False
    if before is None or after is None or not _watched(before) or not _watched(after):
        return False
    nothing = Behaviour((), frozenset())
    return all(before.behaviour.get(nodeid, nothing).calls
               == after.behaviour.get(nodeid, nothing).calls for nodeid in nodeids)


def _watched(run: TestRun) -> bool:
    # A run cut off or broken says nothing of what the function returns (the siblings of
    # a loop that never ends hang on the original code).
    return not run.problem and not run.timed_out


def held_back_reason(verdict: Verdict, selection: Selection) -> str:
    """Why ``verdict``, a fix of the failing test alone, was not committed."""
    count = len(selection.siblings)
    return (f"not committed: {verdict.candidate.description} (in "
            f"{verdict.candidate.function}) passes this test, but {count} other failing "
            f"test{'s' * (count != 1)} of the same code still fail{'s' * (count == 1)} and "
            f"the function returns other things in them than before: it may only fit "
            f"this test")
