"""Frozen records passed between the layers of pytest-selfheal.

Paths inside records are project-relative POSIX paths unless a field says otherwise,
so a record means the same thing in the user's checkout, in a scratch copy of the
project and in a git tree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Final

from pytest_selfheal._assurance import Assurance as Assurance
from pytest_selfheal._assurance import Disagreement as Disagreement
from pytest_selfheal._assurance import Signals as Signals
from pytest_selfheal._testrun import Behaviour as Behaviour
from pytest_selfheal._testrun import TestRun as TestRun

#: Exit code of a child test run whose project modules were imported from outside the
#: scratch copy it was meant to test (see :mod:`pytest_selfheal.plugin._probe`).
EXIT_WRONG_IMPORT: Final = 97


class HealStatus(enum.StrEnum):
    """What became of one attempt to heal a failure."""

    HEALED = "healed"
    UNHEALED = "unhealed"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True)
class Frame:
    """One frame of a failing test's traceback.

    :param path: absolute path of the frame's file.
    :param lineno: 1-based line being executed in that frame.
    :param qualname: the code object's qualified name (``Cart.total``).
    """

    path: str
    lineno: int
    qualname: str


@dataclass(frozen=True)
class Failure:
    """A failing test as the session saw it.

    :param frames: the traceback's frames from the test down to where the exception
        was raised (innermost last), every frame kept: which of them are project code
        is decided by localization.
    :param test_source: the source of the test function, for prompts; ``""`` when it
        could not be read.
    """

    nodeid: str
    when: str
    exception_type: str
    message: str
    longrepr: str
    frames: tuple[Frame, ...] = ()
    test_source: str = ""


@dataclass(frozen=True)
class FunctionRef:
    """A function or method of the project that healing may rewrite.

    :param path: project-relative POSIX path of its module.
    :param qualname: qualified name inside the module (``Cart.total``).
    :param lineno: first line of the ``def`` statement.
    :param end_lineno: last line of its body.
    """

    path: str
    qualname: str
    lineno: int
    end_lineno: int

    def __str__(self) -> str:
        return f"{self.path}::{self.qualname}"


@dataclass(frozen=True)
class MissingCode:
    """A function or method that a test uses and the project does not define yet.

    :param path: project-relative module it belongs in.
    :param qualname: ``median``, or ``Cart.discount`` for a method.
    :param kind: ``function``, ``method``, ``class`` or ``constant``.
    :param also: other names of the same module the test needs and it lacks (a test
        module that imports several), written in the same answer.
    """

    path: str
    qualname: str
    kind: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suspect:
    """A function ranked by fault localization.

    :param score: suspiciousness in ``[0, 1]``; higher is looked at first.
    :param evidence: how it was found (``traceback``, ``coverage``).
    :param lines: lines of the function that the failing test's traceback passed
        through, the strongest hint of where the fault is.
    """

    function: FunctionRef
    score: float
    evidence: str
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A proposed replacement of one project file, made to fix one function.

    :param source: the whole new text of ``function.path``.
    :param operator: the name of the edit that produced it (``compare-swap``).
    :param description: a one-line human account of the edit.
    :param lineno: the line the edit is on, in the original file.
    :param others: ``(path, whole new text)`` of every other project file the fix
        changes too, when it spans the modules a traceback ran through.
    """

    function: FunctionRef
    source: str
    operator: str
    description: str
    lineno: int
    others: tuple[tuple[str, str], ...] = ()

    @property
    def files(self) -> dict[str, str]:
        """Project-relative path to the new text of every file the candidate changes."""
        return {self.function.path: self.source, **dict(self.others)}


@dataclass(frozen=True)
class Verdict:
    """How a candidate did on its selected tests.

    :param reason: ``passed``, or the first thing that went wrong, in words a
        reviewer understands (``tests/test_cart.py::test_total failed``).
    :param rejected: screening refused the candidate; it never ran.
    :param failure_text: the first failing test's whole report (traceback and
        assertion), what the LLM engines feed back to the model; ``""`` when none.
    :param pattern: node id to outcome of every selected test, when every test was run
        (evolution judges candidates fully); empty when the run stopped at the first
        failure.
    :param samples: seconds of the call phases of the selected tests, one sum per
        timing run; empty when the candidate was not timed.
    """

    candidate: Candidate
    passed: bool
    reason: str
    tests_passed: int
    tests_total: int
    runtime_s: float
    rejected: bool = False
    failure_text: str = ""
    pattern: tuple[tuple[str, str], ...] = ()
    samples: tuple[float, ...] = ()


@dataclass(frozen=True)
class Fitness:
    """How the winning candidate scored, as shown in reports.

    :param speedup: the baseline's time over the winner's, both the minimum of
        ``timing_runs`` runs of the same tests measured side by side; ``None`` when
        not measured.
    :param speedup_median: the same ratio from the medians, to show the spread.
    :param spread: the larger relative spread ``(max - min) / min`` of the two sets of
        timing samples.
    """

    pass_rate: float
    tests_passed: int
    tests_total: int
    runtime_s: float
    baseline_runtime_s: float
    speedup: float | None
    speedup_median: float | None = None
    timing_runs: int = 0
    spread: float | None = None


@dataclass(frozen=True)
class HealOutcome:
    """The result of healing one group of failures (usually one test).

    The field names are those of the JSON report.

    :param assurance: for a healed failure, ``verified`` when at least two tests that
        the search never ran execute the changed lines and passed
        (``confirming_tests``), and nothing else casts doubt on the fix; otherwise
        ``plausible``, with the ``doubts``.
    """

    tests: tuple[str, ...]
    status: HealStatus
    reason: str
    engine: str
    suspects: tuple[Suspect, ...] = ()
    function: FunctionRef | None = None
    branch: str | None = None
    commit: str | None = None
    files: tuple[str, ...] = ()
    diff: str = ""
    change: str = ""
    candidates_evaluated: int = 0
    generations: int = 0
    llm_calls: int = 0
    elapsed_s: float = 0.0
    winner: Fitness | None = None
    leaderboard: tuple[Verdict, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()
    verified: bool = False
    assurance: str = ""
    held_out_tests: int = 0
    confirming_tests: int = 0
    doubts: tuple[str, ...] = ()
    disagreement: Disagreement | None = None
    signals: tuple[Signals, ...] = ()
    new_source: str | None = None
    #: ``(path, text before, text after)`` of every file the fix changed, for hot reload.
    changes: tuple[tuple[str, str, str], ...] = ()
    reloaded: bool = False
    rerun_outcome: str | None = None
    notes: tuple[str, ...] = ()
    #: Best fitness score of each generation, for the chart (evolution only).
    history: tuple[float, ...] = ()
    #: What the heal was: ``repair`` a failure, or ``optimize`` passing code.
    goal: str = "repair"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON report entry of this heal."""
        return {
            "tests": list(self.tests),
            "status": str(self.status),
            "reason": self.reason,
            "suspects": [
                {
                    "function": str(suspect.function),
                    "score": round(suspect.score, 4),
                    "evidence": suspect.evidence,
                }
                for suspect in self.suspects
            ],
            "function": None if self.function is None else str(self.function),
            "branch": self.branch,
            "commit": self.commit,
            "files": list(self.files),
            "diff": self.diff,
            "change": self.change,
            "engine": self.engine,
            "candidates_evaluated": self.candidates_evaluated,
            "generations": self.generations,
            "llm_calls": self.llm_calls,
            "elapsed_s": round(self.elapsed_s, 3),
            "verified": self.verified,
            "assurance": self.assurance,
            "held_out_tests": self.held_out_tests,
            "confirming_tests": self.confirming_tests,
            "doubts": list(self.doubts),
            "distinguishing_input": None if self.disagreement is None else {
                "call": self.disagreement.call,
                "outputs": [{"change": change, "output": output}
                            for change, output in self.disagreement.outputs],
                "test": self.disagreement.test,
            },
            "passing_candidates": [
                {"change": s.change, "suspect": s.suspect, "results_changed": s.results_changed,
                 "lines_changed": s.lines_changed, "inputs_changed": s.inputs_changed,
                 "nearby_changed": s.nearby_changed, "new_crashes": s.new_crashes,
                 "anti_patterns": list(s.anti_patterns),
                 "measured": s.measured}
                for s in self.signals
            ],
            "winner": None
            if self.winner is None
            else {
                "pass_rate": self.winner.pass_rate,
                "tests_passed": self.winner.tests_passed,
                "tests_total": self.winner.tests_total,
                "runtime_s": round(self.winner.runtime_s, 4),
                "baseline_runtime_s": round(self.winner.baseline_runtime_s, 4),
                "speedup": _rounded(self.winner.speedup),
                "speedup_median": _rounded(self.winner.speedup_median),
                "timing_runs": self.winner.timing_runs,
                "spread": _rounded(self.winner.spread),
            },
            "goal": self.goal,
            "fitness_per_generation": [round(score, 4) for score in self.history],
            "leaderboard": [
                {
                    "change": verdict.candidate.description,
                    "operator": verdict.candidate.operator,
                    "function": str(verdict.candidate.function),
                    "passed": verdict.passed,
                    "tests_passed": verdict.tests_passed,
                    "tests_total": verdict.tests_total,
                    "runtime_s": round(verdict.runtime_s, 4),
                    "best_time_s": round(min(verdict.samples), 5) if verdict.samples else None,
                    "reason": verdict.reason,
                }
                for verdict in self.leaderboard
            ],
            "rejected": len(self.rejected),
            "rejections": [{"change": change, "reason": reason}
                           for change, reason in self.rejected],
            "reloaded": self.reloaded,
            "rerun_outcome": self.rerun_outcome,
            "notes": list(self.notes),
        }


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class History:
    """What this session saw of its tests; the one record that grows as the session runs.

    :param durations: node id to the seconds its phases took in the session.
    :param hung: tests that were cut off by a time limit (pytest-timeout in the session,
        or a measurement's box): re-running them would cost that limit again.
    """

    durations: dict[str, float] = field(default_factory=dict)
    hung: set[str] = field(default_factory=set)
    #: The seconds after which a hung test was cut off, when the message said
    #: (pytest-timeout's): no run of it gets longer than that.
    cut_at: dict[str, float] = field(default_factory=dict)
