"""Healing with an engine that judges whole generations: the evolution, and what it found.

The healer stops at the first candidate that passes; an engine that
:attr:`~pytest_selfheal.engines.base.Engine.judges_all` instead has every candidate of a
generation judged, timed and ranked by :func:`~pytest_selfheal.engines._evolve.search.evolve`.
This module runs that evolution for one task and says what the healer should make of
it: the winner to verify and commit, or why there is none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pytest_selfheal._evaluate import Workload
from pytest_selfheal._settings import Settings
from pytest_selfheal.engines._evolve.fitness import Speed, is_faster, speedup
from pytest_selfheal.engines._evolve.search import Evolution, Judging, Shape, evolve
from pytest_selfheal.engines.base import Engine, RepairTask
from pytest_selfheal.models import Fitness, Verdict

#: Candidates shown on a heal's leaderboard.
BOARD_SIZE = 20


@dataclass(frozen=True)
class Evolved:
    """What an evolution found for the healer.

    :param winner: the candidate to verify and commit; ``None`` when none passed or, when
        optimizing, none was faster than the original beyond the noise floor.
    :param reason: why there is no winner.
    :param notes: lines for the heal's notes (the engine's after-evolution remarks).
    """

    evolution: Evolution
    winner: Verdict | None
    reason: str
    notes: tuple[str, ...]

    @property
    def board(self) -> tuple[Verdict, ...]:
        return tuple(self.evolution.ranked[:BOARD_SIZE])

    def fitness(self, fitness: Fitness) -> Fitness:
        """``fitness`` of the winner with the speed the evolution measured, side by side
        with the baseline's."""
        baseline = self.evolution.baseline_speed
        if self.winner is None or baseline is None or not self.winner.samples:
            return fitness
        mine = Speed(self.winner.samples)
        best, median = speedup(baseline, mine)
        return replace(fitness, runtime_s=mine.best, baseline_runtime_s=baseline.best,
                       speedup=best, speedup_median=median,
                       timing_runs=min(len(mine.samples), len(baseline.samples)),
                       spread=max(mine.spread, baseline.spread))


def run_evolution(engine: Engine, task: RepairTask, workload: Workload, judging: Judging,
                  settings: Settings) -> Evolved:
    """Evolve candidates for ``task`` within the budgets of ``settings``."""
    shape = Shape(max_candidates=settings.max_candidates, deadline=workload.deadline,
                  repeats=settings.evolution.timing_runs,
                  noise_floor=settings.evolution.noise_floor,
                  patience=settings.evolution.patience)
    evolution = evolve(engine, task, workload, shape, judging)
    notes = []
    if evolution.ranked:
        note = engine.finish(evolution.ranked, evolution.scores())
        if note:
            notes.append(note)
    winner = evolution.winner
    noise_floor = settings.evolution.noise_floor
    slower = task.goal == "optimize" and winner is not None and not _is_faster(
        evolution, winner, noise_floor)
    reason = ""
    if slower:
        reason = ("no candidate was faster than the original by more than the noise "
                  f"floor of {noise_floor:.0%}")
    elif winner is None and evolution.out_of_time:
        reason = (f"time budget of {settings.timeout_s:g}s spent after "
                  f"{len(evolution.verdicts)} candidates (raise --selfheal-timeout)")
    elif winner is None:
        reason = (engine.stop_reason
                  or f"none of the {len(evolution.verdicts)} candidates of "
                  f"{evolution.generations} generations passed the tests")
    return Evolved(evolution, None if slower else winner, reason, tuple(notes))


def _is_faster(evolution: Evolution, winner: Verdict, noise_floor: float) -> bool:
    baseline = evolution.baseline_speed
    return (baseline is not None and bool(winner.samples)
            and is_faster(Speed(winner.samples), baseline, noise_floor))
