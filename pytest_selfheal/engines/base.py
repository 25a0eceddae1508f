"""What a repair engine is: the contract between the healer and the engines (public).

The healer localizes a failure, selects the tests a fix must pass, and then asks an
engine for candidates round after round, feeding back how the previous round's
candidates did, until one passes, the engine has nothing more to offer, or a budget
runs out. The offline engine proposes all its single edits in one round; the LLM
engines (refine, evolve) use the feedback of each round for the next.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_selfheal.models import Candidate, Failure, MissingCode, Suspect, Verdict

if TYPE_CHECKING:
    from pytest_selfheal._llm import LLMClient


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


class Engine(abc.ABC):
    """A source of candidate fixes: subclass it and implement :meth:`propose`.

    Every other member has a default that fits an engine without a model; the healer
    and the session read only the members declared here.
    """

    #: Short name shown in reports and commit trailers (``offline``).
    name: str = "engine"
    #: The model behind the candidates, named in commit trailers; ``None`` without one.
    model: str | None = None
    #: Why the last task ended without a fix, shown instead of the generic reason.
    stop_reason: str | None = None
    #: Model calls the last task took (the heal's ``llm_calls``).
    task_calls: int = 0
    #: ``True`` to be given tasks for code that does not exist yet
    #: (see :attr:`RepairTask.missing`).
    implements_missing: bool = False
    #: Generations of the current task the engine asked its model for, shown when an
    #: evolution ends without a fix (it may have asked for more than were judged).
    generations_asked: int = 0
    #: ``True`` to have every candidate of a round judged on every test, the correct ones
    #: timed, and all of them ranked by fitness (an evolution), instead of stopping at
    #: the first candidate that passes.
    judges_all: bool = False

    #: The LLM client the engine talks through: its budget and notes go into the run's
    #: report. ``None`` for an engine without a model.
    client: LLMClient | None = None

    @abc.abstractmethod
    def propose(self, task: RepairTask, feedback: Sequence[Verdict]) -> list[Candidate]:
        """Return the next round's candidates, most promising first.

        :param feedback: the verdicts of every candidate evaluated so far for this task,
            in evaluation order; empty in the first round.
        :returns: an empty list when the engine has nothing more to try.
        """

    def record(self, task: RepairTask, verdicts: Sequence[Verdict]) -> None:
        """Take note of every verdict of a finished heal, the winner's included (the
        offline engine learns its operators' success rates from them)."""
        return

    def finish(self, ranked: Sequence[Verdict], scores: Mapping[int, float]) -> str:
        """Called after an evolution (:attr:`judges_all`) with every judged candidate,
        best first, and ``id(candidate)`` to its fitness number.

        :returns: one line for the heal's notes, or ``""``.
        """
        return ""

    def save(self) -> None:
        """Keep what the engine learned for the next session (called when one ends)."""
        return
