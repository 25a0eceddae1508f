"""Tests that fail for the order they run in, not for the candidate.

A candidate's child runs the failing test first and then the others fastest first, in
one process, while the outcomes it must match were measured with the tests in another
order (spread over the workers). A test that reads state other tests leave behind (a
registry, a module-level list) can pass in one order and fail in the other whatever
the code: then every candidate, the right fix included, fails it. So when a round
ends without a winner and some candidate passed the failing test but failed one that
passed before, the unchanged code is run once in the candidates' own order. The tests
it fails there too tell nothing about a candidate: they are no longer required, the
report says so, and the candidates they stopped are judged again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Workload
from pytest_selfheal._evaluate.measuring import FORK
from pytest_selfheal._heal.selection import Selection
from pytest_selfheal.models import TestRun, Verdict

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer


@dataclass(frozen=True)
class OrderCheck:
    """What the run of the unchanged code in the candidates' order showed.

    :param selection: the selection without the tests that failed there.
    :param dropped: those tests, in run order.
    :param stopped: the verdicts of candidates whose first failure was one of them.
    """

    selection: Selection
    dropped: tuple[str, ...]
    stopped: tuple[Verdict, ...]


def failed_test(verdict: Verdict, nodeids: Sequence[str]) -> str | None:
    """The test the candidate's run stopped at, when the verdict names one of
    ``nodeids`` (the run reports its first failure as ``nodeid: message``)."""
    return next((nodeid for nodeid in nodeids if verdict.reason.startswith(f"{nodeid}: ")),
                None)


def check_order(healer: Healer, selection: Selection, verdicts: Sequence[Verdict],
                checked: set[str]) -> OrderCheck | None:
    """Run the unchanged code in the candidates' order when ``verdicts`` hold a
    candidate that passed the failing test and then failed one that had passed, unless
    that test is in ``checked`` (run so already); the tests it fails there too are
    dropped. ``None`` when there is nothing to check or nothing to drop.

    :param checked: grows by the tests this run covers.
    """
    workload = selection.search_workload()
    expected = workload.expected
    failing, required = workload.nodeids[0], workload.nodeids[1:selection.required]
    # A candidate may have run only the tests that enter the function it edits
    # (:meth:`Selection.unchanged_by`): the order to check is the one it ran in.
    orders: dict[tuple[str, ...], None] = {}
    for verdict in verdicts:
        nodeid = failed_test(verdict, required) if verdict.tests_passed >= 1 else None
        if nodeid is not None and expected[nodeid] == "passed" and nodeid not in checked:
            ran = healer.evaluator.part_for(verdict.candidate, workload,
                                            selection.unchanged_by).nodeids
            if nodeid not in ran:  # it ran every test: it was not judged in a fork
                ran = workload.nodeids
            orders[ran[:ran.index(nodeid) + 1]] = None
    stopped_at = {order[-1] for order in orders}
    # An order that begins another is checked by running that one.
    orders = {order: None for order in orders
              if not any(len(other) > len(order) and other[:len(order)] == order
                         for other in orders)}
    if not orders or time.perf_counter() > workload.deadline:
        return None
    healer.progress(f"{len(stopped_at)} test(s) that passed before stopped candidates that "
                    f"fixed {failing}; running the unchanged code in the candidates' order "
                    "to see whether they fail there anyway")
    failed: set[str] = set()
    for order in orders:
        if time.perf_counter() > workload.deadline:
            break
        checked.update(order[1:])
        run = healer.evaluator.run(list(order), healer.evaluator.candidate_limits(
            workload, FORK))
        failed.update(nodeid for nodeid in order[1:]
                      if run.outcomes.get(nodeid) not in (None, expected[nodeid]))
    dropped = tuple(nodeid for nodeid in workload.nodeids if nodeid in failed)
    if not dropped:
        return None
    healer.progress(order_note(dropped))
    stopped = tuple(verdict for verdict in verdicts
                    if failed_test(verdict, dropped) is not None)
    return OrderCheck(selection.without(set(dropped)), dropped, stopped)


def order_note(dropped: Sequence[str],
               where: str = "in the candidates' order (after the failing test, the others "
                            "fastest first)") -> str:
    """What the report says of tests no longer required."""
    return (f"not required: {', '.join(dropped)} failed on the unchanged code too when run "
            f"{where}: it depends on what ran before it")


def failing_anyway(run: TestRun, workload: Workload, unchanged: TestRun) -> tuple[str, ...]:
    """The tests the winner's verification ``run`` failed that the ``unchanged`` code
    failed too, run the same way; empty unless every test the winner failed is one of
    them. Never the failing test (the first): the fix must make it pass."""
    if run.problem or run.timed_out or unchanged.problem or unchanged.timed_out:
        return ()
    wrong = [nodeid for nodeid, outcome in workload.expected.items()
             if run.outcomes.get(nodeid) != outcome]
    anyway = tuple(nodeid for nodeid in wrong if nodeid != workload.nodeids[0]
                   and nodeid in run.outcomes
                   and unchanged.outcomes.get(nodeid) == run.outcomes[nodeid])
    return anyway if len(anyway) == len(wrong) else ()


def only_others_failed(run: TestRun, workload: Workload) -> bool:
    """Whether ``run`` passed the failing test (the first) and failed only others."""
    first = workload.nodeids[0]
    return (not run.problem and not run.timed_out
            and run.outcomes.get(first) == workload.expected[first])


def through_last_failure(run: TestRun, workload: Workload) -> Workload:
    """``workload`` cut after the last test ``run`` did not end as expected: what runs
    after a test cannot change how it ended."""
    order = list(workload.expected)
    last = max(index for index, nodeid in enumerate(order)
               if run.outcomes.get(nodeid) != workload.expected[nodeid])
    return replace(workload, expected={n: workload.expected[n] for n in order[:last + 1]})
