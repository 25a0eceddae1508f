"""The search of an engine that proposes round by round: the first candidate that passes wins."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_selfheal._heal.order import check_order
from pytest_selfheal._heal.selection import Selection
from pytest_selfheal._heal.siblings import adopt, fits_this_test_alone, leaves_siblings_alone
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.models import Candidate, Verdict

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer


@dataclass
class Search:
    """What the rounds found: every verdict in evaluation order, and the winner if any.

    :param out_of_time: the heal's deadline passed before any candidate won.
    :param tried: the candidates of the last round, the winner's.
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


def search_rounds(healer: Healer, task: RepairTask, selection: Selection) -> Search:
    """Ask the engine for candidates round after round, feeding back the verdicts, until
    one passes, the engine has nothing more, or the candidate or time budget is spent."""
    settings = healer.settings
    found = Search(selection=selection)
    checked: set[str] = set()
    while found.winner is None and len(found.verdicts) < settings.max_candidates:
        candidates = healer.engine.propose(task, found.verdicts)
        if not candidates:
            break
        found.rounds += 1
        room = settings.max_candidates - len(found.verdicts)
        healer.progress(f"round {found.rounds}: trying {min(len(candidates), room)} candidate "
                        f"fixes of {', '.join(str(s.function) for s in task.suspects)}")
        found.tried = candidates[:room]
        start = len(found.verdicts)
        found.winner = _first_passing(healer, found.tried, selection, found.verdicts)
        check = (None if found.winner is not None
                 else check_order(healer, selection, found.verdicts[start:], checked))
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
        alone = fits_this_test_alone(found.verdicts, selection.required)
        if alone is not None and leaves_siblings_alone(healer, alone, selection):
            healer.progress(f"no candidate also fixes the other failing tests of this code, "
                            f"and this one leaves them as they were; taking "
                            f"{alone.candidate.description}")
            found.winner = adopt(found.verdicts, alone, selection.required)
            found.out_of_time = False
        else:
            found.held_back = alone
    healer.engine.record(task, found.verdicts)
    return found


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
        should_stop=lambda: time.perf_counter() > workload.deadline,
        on_verdict=record,
        reject=healer.screen_candidate,
    )
