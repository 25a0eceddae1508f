"""Fixes of a hanging test that only dodge the loop: refused, and the search goes on.

When the failing test hung on the unchanged code, a candidate may pass every test and
still not return on an input near the tests' calls: ``items[lo] < target`` in a binary
search ends the failing test's loop, not the loop one input away. Such a candidate is
never committed (:mod:`~pytest_selfheal._heal.alternatives` ranks it below any that
returns), but it says nothing against the candidates the search has not reached yet, and
the right edit is often among them. So it is taken out of the search
(:meth:`~pytest_selfheal._heal.rounds.Search.refuse`), the search goes on within the same
time budget, and the report names it and says why: in a note when a later candidate is
committed, in the reason when none is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pytest_selfheal._heal.alternatives import Ranking
from pytest_selfheal._heal.labelling import rank_found, unhealed
from pytest_selfheal._heal.localize import Spectrum
from pytest_selfheal._heal.rounds import Search, search_rounds
from pytest_selfheal._heal.selection import Baseline, Selection
from pytest_selfheal._heal.tiebreak import tell_apart
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.models import Failure, HealOutcome, Suspect

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer

#: Why a candidate that still hangs is never committed.
DODGED = "the loop the failing test hung in is dodged, not ended"


@dataclass
class Refusals:
    """The fixes a heal refused because they still hang.

    :param first: the ranking of the first fixes refused, whose first is what the heal
        reports when nothing else is committed.
    :param notes: one note per fix refused, in the order they were refused.
    """

    first: Ranking | None = None
    notes: list[str] = field(default_factory=list)


def search_past_dodges(healer: Healer, failure: Failure, task: RepairTask,
                       selection: Selection, spectrum: Spectrum, baseline: Baseline
                       ) -> tuple[Search, Ranking | None, Refusals]:
    """Search for a fix of ``failure`` and rank the passing candidates; when every one
    still hangs, refuse them and search on. The search, the ranking of its winner (if
    any) and what was refused.

    A winner found after a refusal must have been seen to return near the tests' calls:
    when the deadline left no time to call it there, it is refused too. Fixes that only
    the search's order ranks are first run on the tests the search never ran
    (:mod:`~pytest_selfheal._heal.tiebreak`); when that refuses some, the rest are ranked
    again."""
    found = search_rounds(healer, task, selection)
    ranking = None
    refusals = Refusals()
    while found.winner is not None:
        ranking = rank_found(healer, failure, found, found.selection or selection, spectrum,
                             baseline)
        if ranking.undecided:
            told = tell_apart(healer, failure, found, found.selection or selection, ranking)
            if told:
                refusals.notes += told
                continue
        if ranking.still_hangs is None and (refusals.first is None
                                            or ranking.signals[0].measured):
            break
        refusals.first = refusals.first or ranking
        if ranking.still_hangs is None:
            # Fixes that dodge the loop were found before this one, and no time was left
            # to call it where they did not return: committing it would be a guess.
            best = ranking.verdicts[0]
            refusals.notes.append(
                f"refused: {best.candidate.description} (in {best.candidate.function}) "
                "passes every test, but no time was left to see it return near the tests' "
                "calls, where the fixes refused before it did not")
            found.refuse(best, "passes every test, but no time was left to see it return "
                               "near the tests' calls")
        else:
            refusals.notes += refuse_dodges(found, ranking)
        count = len(found.refused)
        healer.progress(f"{count} fix{'es' * (count != 1)} that pass{'es' * (count == 1)} "
                        "every test refused; going on with the next candidates")
        found = search_rounds(healer, task, selection, found)
    return found, ranking, refusals


def refuse_dodges(found: Search, ranking: Ranking) -> list[str]:
    """Take every passing candidate of ``ranking`` that still hangs out of ``found``;
    a note for each that says on what call, and why."""
    notes = []
    for verdict, call in ranking.dodges:
        why = f"passes every test, but {call} still does not return: {DODGED}"
        found.refuse(verdict, why)
        notes.append(f"refused: {verdict.candidate.description} (in "
                     f"{verdict.candidate.function}) {why}")
    return notes


def unhealed_after_dodges(healer: Healer, failure: Failure, suspects: Sequence[Suspect],
                          found: Search, first: Ranking, went_on: str) -> HealOutcome:
    """The heal of ``failure`` left undone: the search went on after refusing the fixes
    of ``first`` that still hang, and found nothing to commit (``went_on`` says why)."""
    best = first.verdicts[0].candidate
    reason = (f"not committed: {best.description} (in {best.function}) passes every "
              f"test, but {first.still_hangs} still does not return: {DODGED}")
    outcome = unhealed(healer, failure, suspects, found, first, reason)
    return replace(outcome, notes=(*outcome.notes, f"the search went on after refusing it: "
                                                   f"{went_on}"))


def with_refusals(outcome: HealOutcome, notes: Sequence[str]) -> HealOutcome:
    """``outcome`` with the notes of the fixes refused before it, first."""
    return replace(outcome, notes=(*notes, *outcome.notes)) if notes else outcome
