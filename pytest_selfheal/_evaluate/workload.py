"""What a candidate is judged on, and how a run becomes a verdict."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pytest_selfheal.models import Candidate, TestRun, Verdict


@dataclass(frozen=True)
class Workload:
    """The tests a candidate is judged on, and what they cost on the unchanged code.

    :param expected: node id to the outcome it must have, in run order.
    :param durations: node id to the seconds its phases took on the unchanged code; a
        test that never finished there (it hangs) counts as long as the slowest one that
        did.
    :param deadline: ``time.perf_counter()`` value by which the heal must end; a run
        that measures what a path costs may take until then.
    """

    expected: Mapping[str, str]
    durations: Mapping[str, float]
    deadline: float
    #: Seconds after which a test that hangs was cut off in the session, when known:
    #: a candidate needing longer would be cut off there too.
    cut_at: Mapping[str, float] = field(default_factory=dict)

    @property
    def nodeids(self) -> tuple[str, ...]:
        return tuple(self.expected)

    @property
    def finished(self) -> tuple[str, ...]:
        """The tests known to finish on the unchanged code (not those that hang)."""
        return tuple(nodeid for nodeid in self.expected if nodeid in self.durations)

    def without(self, nodeids: Collection[str]) -> Workload:
        """This workload less ``nodeids``."""
        return replace(self, expected={n: o for n, o in self.expected.items()
                                       if n not in nodeids})

    def knowing(self, learned: Mapping[str, float]) -> Workload:
        """This workload with the ``learned`` durations of its tests that never finished
        on the unchanged code (:func:`learn_fix_durations`)."""
        extra = {nodeid: seconds for nodeid, seconds in learned.items()
                 if nodeid in self.expected and nodeid not in self.durations}
        return replace(self, durations={**self.durations, **extra}) if extra else self

    @property
    def tests_s(self) -> float:
        """Seconds the tests took on the unchanged code."""
        slowest = max((self.durations[n] for n in self.expected if n in self.durations),
                      default=0.0)
        return sum(self.durations.get(nodeid, slowest) for nodeid in self.expected)


def learn_fix_durations(learned: dict[str, float], run: TestRun, workload: Workload) -> None:
    """Keep in ``learned`` how long ``run`` took to pass the tests of ``workload`` that
    never finished on the unchanged code (the longest seen): what a fix costs there, the
    measurement that candidates' limits in such a test lack until one passes it."""
    for nodeid, outcome in workload.expected.items():
        if (nodeid not in workload.durations and run.outcomes.get(nodeid) == outcome
                and nodeid not in run.interrupted and nodeid in run.durations):
            learned[nodeid] = max(learned.get(nodeid, 0.0), run.durations[nodeid])


def as_if_whole(run: TestRun, ran: Mapping[str, str], workload: Workload) -> TestRun:
    """``run``, of the tests ``ran`` of ``workload`` alone, as a run of all of them
    stopping at its first failure would have gone, when the others cannot end otherwise
    than expected: each of them before the first test of ``ran`` that did not ends as
    expected, in the time it took on the unchanged code."""
    if len(ran) == len(workload.expected):
        return run
    stop = next((n for n, outcome in ran.items() if run.outcomes.get(n) != outcome), None)
    outcomes, durations = dict(run.outcomes), dict(run.durations)
    for nodeid, outcome in workload.expected.items():
        if nodeid == stop:
            break
        if nodeid not in ran:
            outcomes[nodeid] = outcome
            if nodeid in workload.durations:
                durations[nodeid] = workload.durations[nodeid]
    return replace(run, outcomes=outcomes, durations=durations)


def judge(candidate: Candidate, run: TestRun, expected: Mapping[str, str]) -> Verdict:
    """Turn a run into a verdict: every selected test must end as ``expected`` says."""
    passed = sum(1 for nodeid, outcome in expected.items() if run.outcomes.get(nodeid) == outcome)
    total = len(expected)
    if run.problem:
        reason = run.problem
    elif passed == total:
        reason = "passed"
    elif run.first_failure:
        reason = run.first_failure.splitlines()[0][:300]
    else:
        missing = next(n for n in expected if run.outcomes.get(n) != expected[n])
        reason = f"{missing} did not run"
    return Verdict(candidate=candidate, passed=passed == total and not run.problem, reason=reason,
                   tests_passed=passed, tests_total=total,
                   runtime_s=sum(run.durations.values()),
                   failure_text=run.first_failure or run.problem)


def merge_runs(runs: Sequence[TestRun]) -> TestRun:
    """One run from runs of parts of the same tests made side by side."""
    if len(runs) == 1:
        return runs[0]
    merged = TestRun(outcomes={}, durations={}, wall_s=0.0, exit_code=0)
    for run in runs:
        merged.outcomes.update(run.outcomes)
        merged.durations.update(run.durations)
        merged.coverage.update(run.coverage)
        merged.reached.update(run.reached)
        merged.call_durations.update(run.call_durations)
    problems = [run.problem for run in runs if run.problem]
    return replace(merged, wall_s=max((run.wall_s for run in runs), default=0.0),
                   exit_code=next((run.exit_code for run in runs if run.exit_code), 0),
                   problem=problems[0] if problems else "",
                   first_failure=next((r.first_failure for r in runs if r.first_failure), ""),
                   notes=tuple(dict.fromkeys(n for run in runs for n in run.notes)),
                   timed_out=any(run.timed_out for run in runs),
                   interrupted=tuple(n for run in runs for n in run.interrupted))
