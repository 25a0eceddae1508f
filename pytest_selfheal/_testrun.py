"""What one test run in a child process reports, and what the repaired function did.

Records of the evaluation layer that the healer, the engines and the reports read;
kept apart from :mod:`~pytest_selfheal.models`, which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Behaviour:
    """What the function under repair did in one test.

    :param calls: per call (the first ones), the text of its arguments and of its result
        (``raises ValueError`` when it raised).
    :param lines: the lines of the module it ran, numbered as in the code that ran.
    """

    calls: tuple[tuple[str, str], ...]
    lines: frozenset[int]


@dataclass(frozen=True)
class TestRun:
    """The results of one pytest run in a child process.

    :param outcomes: node id to ``passed``, ``failed``, ``skipped`` (which includes
        xfail) or ``error`` (setup or teardown failed); a test missing here did not run.
    :param durations: node id to the seconds its setup, call and teardown took.
    :param coverage: node id to project-relative path to the executed lines, when
        coverage was asked for.
    :param notes: containment measures the child could not apply.
    :param call_durations: node id to the seconds of its call phase alone, the part
        of a test that candidate code can make faster or slower.
    :param problem: why the run itself went wrong (a timeout, a crash, a collection
        error), or ``""``.
    :param reached: node id to the project functions (``path::qualname``) it entered,
        when that was asked for.
    :param timed_out: the run was cut off by its time limit.
    :param interrupted: the tests that had started and not ended when the run ended
        (the one a time limit cut off).
    :param measuring_s: seconds the child spent measuring coverage or reach, which a
        run that measures nothing does not spend.
    :param cpu_s: CPU seconds the run used, when known: a run cut off with far less CPU
        than wall time was kept waiting (a busy machine), it did not loop.
    :param behaviour: node id to what the function under repair did in it, when asked.
    :param seeds: texts of the argument tuples the tests called that function with.
    :param outputs: text of an argument tuple to what the function gave for it.
    """

    __test__ = False  # not a test class, despite the name

    outcomes: dict[str, str]
    durations: dict[str, float]
    wall_s: float
    exit_code: int | None
    problem: str = ""
    first_failure: str = ""
    coverage: dict[str, dict[str, frozenset[int]]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    call_durations: dict[str, float] = field(default_factory=dict)
    reached: dict[str, frozenset[str]] = field(default_factory=dict)
    timed_out: bool = False
    cpu_s: float | None = None
    interrupted: tuple[str, ...] = ()
    measuring_s: float = 0.0
    behaviour: dict[str, Behaviour] = field(default_factory=dict)
    seeds: tuple[str, ...] = ()
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def tests_s(self) -> float:
        """Seconds the tests' own phases took, without starting or collecting."""
        return sum(self.durations.values())
