"""The search of an engine that proposes round by round: the first candidate that passes wins."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pytest_selfheal._heal.alternatives import code_identity
from pytest_selfheal._heal.guards import guard
from pytest_selfheal._heal.order import check_order
from pytest_selfheal._heal.selection import Selection
from pytest_selfheal._heal.siblings import adopt, fits_this_test_alone, leaves_siblings_alone
from pytest_selfheal._heal.tiebreak import Untried
from pytest_selfheal._settings import Settings
from pytest_selfheal.engines.base import Engine, RepairTask
from pytest_selfheal.models import Candidate, Verdict

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer


@dataclass
class Search:
    """What the rounds found: every verdict in evaluation order, and the winner if any.

    :param out_of_time: the heal's deadline passed before any candidate won.
    :param tried: the candidates of the last round, the winner's; after a refusal, those
        of it still to judge.
    :param held_back: when no candidate won, the first that passed every searched and
        held-out test but changed what the function does in the other failing tests of
        the same code, which still fail: shown, never committed.
    :param selection: the tests the winner was judged on: the heal's selection, less
        those found to fail on the unchanged code too in the candidates' order.
    """

    verdicts: list[Verdict] = field(default_factory=list)
    winner: Verdict | None = None
    rounds: int = 0
    out_of_time: bool = False
    tried: list[Candidate] = field(default_factory=list)
    held_back: Verdict | None = None
    selection: Selection | None = None
    #: Tests that failed on the unchanged code too in the candidates' order.
    order_dependent: tuple[str, ...] = ()
    #: Candidates that passed and were refused (see :meth:`refuse`): never a winner.
    refused: set[int] = field(default_factory=set)
    #: The order checks already made (see :func:`~pytest_selfheal._heal.order.check_order`).
    checked: set[str] = field(default_factory=set)
    #: Files whose own tests a winner was held to (see :mod:`~pytest_selfheal._heal.guards`).
    guarded: set[str] = field(default_factory=set)
    #: By candidate id, its run of the tests the search never ran (see
    #: :mod:`~pytest_selfheal._heal.tiebreak`): a fix tied again is not run again.
    untried_runs: dict[int, Untried] = field(default_factory=dict)

    def refuse(self, verdict: Verdict, why: str) -> None:
        """Take ``verdict``'s candidate out of the search: it passed every test, but
        ``why`` it may not be committed. Its verdict stays in its place, failed, so the
        engine learns it did not win and the report shows why."""
        for index, judged in enumerate(self.verdicts):
            if judged.candidate is verdict.candidate:
                self.verdicts[index] = replace(judged, passed=False, reason=f"refused: {why}")
        self.refused.add(id(verdict.candidate))
        self.tried = [c for c in self.tried if c is not verdict.candidate]
        if self.winner is verdict:
            self.winner = None

    def still_eligible(self) -> list[Verdict]:
        """Every verdict but those of refused candidates."""
        return [v for v in self.verdicts if id(v.candidate) not in self.refused]


def search_rounds(healer: Healer, task: RepairTask, selection: Selection,
                  resumed: Search | None = None) -> Search:
    """Ask the engine for candidates round after round, feeding back the verdicts, until
    one passes, the engine has nothing more, or the candidate or time budget is spent.
    A winner is then held to the tests of the module it edits that were never measured
    (:mod:`~pytest_selfheal._heal.guards`); when it fails one, the search goes on.

    :param resumed: a search whose winner was refused (:meth:`Search.refuse`): it goes
        on with the candidates of its last round not judged yet, then with new rounds.
    """
    found = _rounds(healer, task, selection, resumed)
    while found.winner is not None and not found.guarded.issuperset(found.winner.candidate.files):
        found.selection = guard(healer, found, found.selection or selection)
        if found.winner is None:
            found = _rounds(healer, task, found.selection, found)
    return found


def _rounds(healer: Healer, task: RepairTask, selection: Selection,
            resumed: Search | None) -> Search:
    settings = healer.settings
    found = resumed or Search(selection=selection)
    selection = found.selection or selection
    pending = _left_of_the_round(found) if resumed is not None else []
    # Ranking the refused winner may have taken what was left of the heal's time.
    found.out_of_time = (resumed is not None
                         and time.perf_counter() > selection.workload.deadline)
    while (found.winner is None and not found.out_of_time
           and len(found.verdicts) < settings.max_candidates):
        room = settings.max_candidates - len(found.verdicts)
        if pending:
            found.tried, pending = pending[:room], []
            left = len(found.tried)
            healer.progress(f"going on with the {left} candidate{'s' * (left != 1)} left of "
                            f"round {found.rounds}")
        else:
            candidates = healer.engine.propose(task, found.verdicts)
            if not candidates:
                break
            found.rounds += 1
            healer.progress(f"round {found.rounds}: trying {min(len(candidates), room)} "
                            f"candidate fixes of "
                            f"{', '.join(str(s.function) for s in task.suspects)}")
            found.tried = candidates[:room]
        start = len(found.verdicts)
        found.winner = _next_winner(healer, found.tried, selection, found.verdicts)
        check = (None if found.winner is not None
                 else check_order(healer, selection, found.verdicts[start:], found.checked))
        if check is not None:
            selection = found.selection = check.selection
            found.order_dependent += check.dropped
            stopped = {id(verdict) for verdict in check.stopped}
            found.verdicts[:] = [v for v in found.verdicts if id(v) not in stopped]
            found.winner = _first_passing(healer, [v.candidate for v in check.stopped],
                                          selection, found.verdicts)
        if time.perf_counter() > selection.workload.deadline:
            found.out_of_time = found.winner is None
            break
    if found.winner is None and selection.siblings:
        alone = fits_this_test_alone(found.still_eligible(), selection.required)
        if alone is not None and leaves_siblings_alone(healer, alone, selection):
            healer.progress(f"no candidate also fixes the other failing tests of this code, "
                            f"and this one leaves them as they were; taking "
                            f"{alone.candidate.description}")
            found.winner = adopt(found.verdicts, alone, selection.required)
            found.out_of_time = False
        else:
            found.held_back = alone
    return found


def why_no_winner(found: Search, settings: Settings, engine: Engine) -> str:
    """Why ``found`` ended without a winner, held-back fixes aside."""
    evaluated = len(found.verdicts)
    if found.out_of_time:
        return (f"time budget of {settings.timeout_s:g}s spent after {evaluated} candidates "
                "(raise --selfheal-timeout)")
    if evaluated >= settings.max_candidates:
        return (f"candidate budget of {settings.max_candidates} spent "
                "(raise --selfheal-max-candidates)")
    others = "other " * bool(found.refused)
    return (engine.stop_reason or f"none of the {others}{evaluated - len(found.refused)} "
                                  "candidate fixes passed the tests")


def _left_of_the_round(found: Search) -> list[Candidate]:
    """The candidates of ``found``'s last round still to judge, in order: those never
    judged, and those judged passing beside the refused winner; none whose code is a
    refused candidate's."""
    judged = {id(v.candidate): v for v in found.verdicts}
    refused = {code_identity(v.candidate.source) for v in found.verdicts
               if id(v.candidate) in found.refused}
    return [c for c in found.tried if (id(c) not in judged or judged[id(c)].passed)
            and code_identity(c.source) not in refused]


def _next_winner(healer: Healer, candidates: list[Candidate], selection: Selection,
                 verdicts: list[Verdict]) -> Verdict | None:
    """The first of ``candidates`` that passes: one judged passing already (beside a
    winner that was refused) wins without running again."""
    judged = {id(v.candidate): v for v in verdicts if v.passed}
    split = next((i for i, c in enumerate(candidates) if id(c) in judged), len(candidates))
    winner = _first_passing(healer, candidates[:split], selection, verdicts) if split else None
    if winner is None and split < len(candidates):
        return judged[id(candidates[split])]
    return winner


def _first_passing(healer: Healer, candidates: list[Candidate], selection: Selection,
                   verdicts: list[Verdict]) -> Verdict | None:
    """The first candidate that passes the searched tests and then the held-out ones.

    Each candidate's child runs the searched tests, then the held-out ones, then the
    siblings (other tests that failed and ran the same code), stopping at the first
    failure: the first :attr:`Selection.required` tests must pass, the siblings after
    them are a preference. So only a candidate that passed every searched test meets
    the held-out ones: one that fails them fits the tests, not the intent, and the
    search goes on. A fix of the siblings too is preferred (see
    :mod:`~pytest_selfheal._heal.siblings`).
    """
    workload = selection.search_workload()

    def record(verdict: Verdict) -> None:
        verdicts.append(verdict)
        healer.observe(verdict)

    return healer.evaluator.first_passing(
        candidates,
        workload,
        stop_at=workload.deadline,
        on_verdict=record,
        reject=healer.screen_candidate,
        unchanged=selection.unchanged_by,
    )
