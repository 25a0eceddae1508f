"""The winner's verification: every selected test, in fresh pytest processes, here.

Whatever judged the candidates (forks of the session, fresh processes, a cluster), the
fix that is reported is first run again on this machine, in a fresh copy of the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from pytest_selfheal._evaluate.contain import Isolation, Limits
from pytest_selfheal._evaluate.overlay import ENDED_EARLY, Overlay
from pytest_selfheal._evaluate.workload import Workload
from pytest_selfheal.models import TestRun


def verify(copies: tuple[Overlay, Overlay], workload: Workload, limits: Limits,
           isolation: Isolation) -> tuple[TestRun, Limits]:
    """Run every test of ``workload`` in the first of ``copies`` (each a copy holding
    the fix), with no early stop; at the same time, in the second, a plain pytest
    process, whose exit status must agree with the events of the first. Side by side:
    they share nothing, and on a real suite each takes as long as the tests. Runs that
    time out get one more try with twice the time. ``copies`` are deleted afterwards.

    :returns: the run, and the limits it ran under.
    """
    try:
        run, plain = _side_by_side(copies, workload, limits, isolation)
        if run.timed_out or plain.timed_out:
            limits = limits.doubled()
            run, plain = _side_by_side(copies, workload, limits, isolation)
        if not run.problem and not run.timed_out:
            run = _agreed(run, plain, workload.expected)
    finally:
        for copy in copies:
            copy.close()
    return run, limits


def _side_by_side(copies: tuple[Overlay, Overlay], workload: Workload, limits: Limits,
                  isolation: Isolation) -> tuple[TestRun, TestRun]:
    events, plain = copies
    first = events.start(workload.nodeids, limits, expected=workload.expected,
                         isolation=isolation)
    try:
        second = plain.start(workload.nodeids, limits, isolation=isolation, plain=True)
    except BaseException:
        first.finish()  # kills it: nothing outlives a verification
        raise
    return first.wait(), second.wait()


def _agreed(run: TestRun, plain: TestRun, expected: Mapping[str, str]) -> TestRun:
    """``run``, with a problem when a plain pytest run of the same tests ended otherwise
    than its events say: candidate code that forges events (in the result file, or by
    patching the reporting) must also forge pytest's own exit status."""
    failing = any(run.outcomes.get(nodeid) in ("failed", "error") for nodeid in expected)
    if plain.timed_out or plain.exit_code != (1 if failing else 0):
        why = ("timed out" if plain.timed_out
               else "ended before pytest returned" if (plain.exit_code or 0) >= ENDED_EARLY
               else f"exited with code {plain.exit_code}")
        return replace(run, problem=f"a plain pytest run of the same tests {why}, which its "
                                    "reported outcomes contradict")
    return run
