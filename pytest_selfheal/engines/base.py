"""What a repair engine is: the protocol between the healer and the engines.

The healer localizes a failure, selects the tests a fix must pass, and then asks an
engine for candidates round after round, feeding back how the previous round's
candidates did, until one passes, the engine has nothing more to offer, or a budget
runs out. The offline engine proposes all its single edits in one round; the LLM
engines (refine, evolve) use the feedback of each round for the next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pytest_selfheal.models import Candidate, Failure, MissingCode, Suspect, Verdict


@dataclass(frozen=True)
class RepairTask:
    """Everything an engine may use to propose fixes for one failure.

    :param sources: project-relative path to the current text of each suspect's module.
    :param executed_lines: ``str(function)`` to the lines of it the failing test ran;
        missing when coverage could not be measured.
    :param line_scores: ``str(function)`` to line to Ochiai suspiciousness.
    :param tests: the selected tests a candidate must pass, failing test first.
    :param missing: set when the test fails because code it uses does not exist yet:
        the engine writes it (``suspects`` then holds only its future place).
    :param goal: ``repair`` a failure, or ``optimize`` code whose tests pass (then
        ``failure`` only names the target and candidates must return what the original
        returns).
    """

    failure: Failure
    suspects: tuple[Suspect, ...]
    sources: Mapping[str, str]
    executed_lines: Mapping[str, frozenset[int]] = field(default_factory=dict)
    line_scores: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    tests: tuple[str, ...] = ()
    missing: MissingCode | None = None
    goal: str = "repair"


class Engine(Protocol):
    """A source of candidate fixes.

    Optional attributes the healer reads when an engine has them (the LLM engines do):
    ``model`` (named in commit trailers), ``stop_reason`` (why the last task ended
    without a fix, shown instead of the generic reason), ``task_calls`` (model calls the
    last task took, the heal's ``llm_calls``) and ``implements_missing`` (``True`` to be
    given tasks for code that does not exist yet, see :attr:`RepairTask.missing`).
    """

    #: Short name shown in reports and commit trailers (``offline``).
    name: str

    def propose(self, task: RepairTask, feedback: Sequence[Verdict]) -> list[Candidate]:
        """Return the next round's candidates, most promising first.

        :param feedback: the verdicts of every candidate evaluated so far for this task,
            in evaluation order; empty in the first round.
        :returns: an empty list when the engine has nothing more to try.
        """
        ...


@runtime_checkable
class Learner(Protocol):
    """An engine that learns from finished heals (the offline engine's operator rates)."""

    def record(self, task: RepairTask, verdicts: Sequence[Verdict]) -> None:
        """Take note of every verdict of a finished heal, the winner's included."""
        ...
