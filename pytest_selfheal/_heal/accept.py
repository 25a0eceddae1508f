"""A winner found: verify it in a fresh process, land it, and say what was done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Workload, judge
from pytest_selfheal._heal.order import (
    failing_anyway,
    only_others_failed,
    order_note,
    through_last_failure,
)
from pytest_selfheal._heal.outcomes import (
    candidate_diff,
    heal_outcome,
    leaderboard,
    rejections,
)
from pytest_selfheal._heal.trust import assess
from pytest_selfheal._vcs.landing import Destination, Fix, Landing, apply_fix, commit_fix
from pytest_selfheal.models import (
    Assurance,
    Failure,
    Fitness,
    HealOutcome,
    HealStatus,
    Suspect,
    Verdict,
)

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer
    from pytest_selfheal.engines._evolve.adapter import Evolved


@dataclass(frozen=True)
class Win:
    """The candidate a search chose, and how it was found.

    :param workload: the tests it is verified on.
    :param verdicts: every verdict of the search, in evaluation order.
    :param rounds: the engine's rounds (or generations) it took.
    :param assurance: its label and what it rests on; ``plausible`` with nothing to
        rest on when not given.
    :param evolved: the evolution that found it, whose timings give its speedup.
    """

    failure: Failure
    suspects: Sequence[Suspect]
    winner: Verdict
    workload: Workload
    verdicts: Sequence[Verdict]
    rounds: int
    goal: str = "repair"
    assurance: Assurance | None = None
    evolved: Evolved | None = None


def accept(healer: Healer, win: Win) -> HealOutcome:
    """Verify ``win`` in a fresh copy of the project (every selected test, no early
    stop); if it holds, make it the run's version of the file and land it."""
    candidate = win.winner.candidate
    assurance = win.assurance
    if assurance is None:
        assurance = assess([], [], [], None, candidate.function)
    evaluated = len(win.verdicts)
    files = candidate.files
    old_sources = {relpath: healer.old_source(relpath) for relpath in files}
    diff = candidate_diff(candidate, old_sources.__getitem__)
    base = heal_outcome(win.failure, healer.engine.name, HealStatus.UNHEALED, "", win.suspects)
    healer.progress(f"verifying the fix in a fresh process: {candidate.description}")
    run, limit = healer.evaluator.verify(files, win.workload)
    check = judge(candidate, run, win.workload.expected)
    notes: list[str] = []
    anyway: tuple[str, ...] = ()
    if not check.passed and only_others_failed(run, win.workload):
        healer.progress("running the unchanged code the same way, to see whether the tests "
                        "the fix failed there fail anyway")
        unchanged = healer.evaluator.fresh_run(through_last_failure(run, win.workload))
        anyway = failing_anyway(run, win.workload, unchanged)
    if anyway:
        notes.append(order_note(anyway, "in a fresh process, in the same order"))
        healer.progress(notes[-1])
        win = replace(win, workload=win.workload.without(set(anyway)))
        check = judge(candidate, run, win.workload.expected)
    if not check.passed:
        why = check.reason
        if run.timed_out:
            why += f" twice ({limit})"
        return replace(base, reason=f"the best candidate failed verification: {why}",
                       candidates_evaluated=evaluated, diff=diff,
                       leaderboard=leaderboard(win.verdicts))
    for relpath, text in files.items():
        healer.state.sources[relpath] = text
        healer.evaluator.set_source(relpath, text)
    fitness = Fitness(
        pass_rate=1.0,
        tests_passed=check.tests_passed,
        tests_total=check.tests_total,
        runtime_s=check.runtime_s,
        baseline_runtime_s=win.workload.tests_s,
        speedup=None,
    )
    if win.evolved is not None:
        fitness = win.evolved.fitness(fitness)
    branch = commit = None
    settings = healer.settings
    healer.landings[win.failure.nodeid] = Landing(
        tuple((relpath, old_sources[relpath], text) for relpath, text in files.items()),
        healer.state.branch, healer.state.branch_tip, applied=settings.mode == "apply")
    if settings.mode != "suggest":
        destination = Destination(healer.repo, healer.no_repository_reason, healer.layout.root,
                                  settings.branch_prefix)
        fix = Fix(win.failure, candidate, old_sources, fitness, evaluated, healer.engine.name,
                  healer.engine.model, win.goal, assurance)
        branch, commit = commit_fix(destination, healer.state, fix, notes)
    if settings.mode == "apply":
        for relpath, text in files.items():
            apply_fix(healer.layout.root, relpath, old_sources[relpath], text, notes)
    return replace(
        base,
        status=HealStatus.HEALED,
        reason=f"{candidate.description} (in {candidate.function})",
        function=candidate.function,
        branch=branch,
        commit=commit,
        files=tuple(files),
        diff=diff,
        change=candidate.description,
        candidates_evaluated=evaluated,
        generations=win.rounds,
        winner=fitness,
        leaderboard=leaderboard(win.verdicts, winner=win.winner),
        rejected=rejections(win.verdicts),
        verified=True,
        assurance=assurance.label,
        held_out_tests=assurance.held_out,
        confirming_tests=assurance.confirming,
        doubts=assurance.doubts,
        disagreement=assurance.disagreement,
        signals=assurance.signals,
        new_source=candidate.source,
        changes=tuple((relpath, old_sources[relpath], text) for relpath, text in files.items()),
        notes=tuple(notes),
    )
