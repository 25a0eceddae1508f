"""The generational loop: judge every candidate, time the correct ones, rank, stop.

The healer hands an engine that :attr:`~pytest_selfheal.engines.base.Engine.judges_all`
to :func:`evolve` (through :mod:`~pytest_selfheal.engines._evolve.adapter`) instead of
its first-passing loop. Each generation the engine proposes candidates; every one of them
runs every selected test (so its pass/fail pattern is known); the ones that pass are
timed together with the baseline (the current code) and the current leader, side by
side, interleaved, ``repeats`` times each. The evolution stops when the engine has
nothing more, the candidate budget or the time is spent, or a passing candidate leads
and ``patience`` generations in a row bring no new leader.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pytest_selfheal._evaluate import Evaluator, Workload
from pytest_selfheal._source.patches import diff_size, unified_diff
from pytest_selfheal.engines._evolve.fitness import Speed, rank, scalar
from pytest_selfheal.engines.base import Engine, RepairTask
from pytest_selfheal.models import Candidate, Verdict


@dataclass(frozen=True)
class Judging:
    """Where and how candidates are judged, and who hears about it.

    :param reject: why a candidate may not run (screening), ``""`` when it may.
    :param on_verdict: called with the verdict of every candidate judged.
    :param progress: called with short status lines.
    """

    evaluator: Evaluator
    reject: Callable[[Candidate], str] = lambda candidate: ""
    on_verdict: Callable[[Verdict], None] = lambda verdict: None
    progress: Callable[[str], None] = lambda line: None


@dataclass(frozen=True)
class Shape:
    """How far an evolution may go.

    :param repeats: timing runs per candidate and per baseline measurement.
    :param noise_floor: relative difference below which two timings are equally fast.
    :param patience: generations without a new leader after which a passing leader wins.
    """

    max_candidates: int
    deadline: float
    repeats: int = 5
    noise_floor: float = 0.05
    patience: int = 1


@dataclass
class Evolution:
    """What an evolution found.

    :param timed: the tests whose call phases were timed (the tests that passed
        before, or all selected tests when none did).
    """

    verdicts: list[Verdict] = field(default_factory=list)
    ranked: list[Verdict] = field(default_factory=list)
    generations: int = 0
    history: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    timed: tuple[str, ...] = ()
    out_of_time: bool = False

    @property
    def winner(self) -> Verdict | None:
        return self.ranked[0] if self.ranked and self.ranked[0].passed else None

    @property
    def baseline_speed(self) -> Speed | None:
        return Speed(tuple(self.baseline)) if self.baseline else None

    def scores(self) -> dict[int, float]:
        """``id(candidate)`` to its fitness number (:func:`fitness.scalar`)."""
        return {id(v.candidate): scalar(v, self.baseline_speed) for v in self.ranked}


def evolve(
    engine: Engine, task: RepairTask, workload: Workload, shape: Shape, judging: Judging,
) -> Evolution:
    """Run generations until a stop condition; see the module docstring.

    The diff sizes that break ties are measured against the top suspect's current
    source; an ``optimize`` task also compares each candidate's outputs with the
    original's.
    """
    original = task.sources[task.suspects[0].function.path]
    progress = judging.progress
    expected = workload.expected
    failing = [task.failure.nodeid] if task.goal == "repair" else []
    passed_before = tuple(n for n in expected if n not in failing and expected[n] == "passed")
    result = Evolution(timed=passed_before or tuple(expected))
    sizes: dict[int, int] = {}

    def diff_lines(verdict: Verdict) -> int:
        key = id(verdict.candidate)
        if key not in sizes:
            sizes[key] = diff_size(unified_diff(original, verdict.candidate.source,
                                                verdict.candidate.function.path))
        return sizes[key]

    leader: Verdict | None = None
    stale = 0
    while len(result.verdicts) < shape.max_candidates:
        candidates = engine.propose(task, result.verdicts)
        if not candidates:
            break
        result.generations += 1
        room = shape.max_candidates - len(result.verdicts)
        progress(f"generation {result.generations}: judging {min(room, len(candidates))} "
                 f"candidates of {task.suspects[0].function} on {len(expected)} tests")
        judged = judging.evaluator.judge_all(
            candidates[:room], workload,
            should_stop=lambda: time.perf_counter() > shape.deadline,
            on_verdict=judging.on_verdict, reject=judging.reject,
            compare_outputs=task.goal == "optimize")
        judged = _time(judging, judged, leader, result, workload, shape)
        if leader is not None:
            leader = next(v for v in result.verdicts if v.candidate is leader.candidate)
        result.ranked = rank(result.verdicts, failing, diff_lines, shape.noise_floor)
        best = result.ranked[0] if result.ranked else None
        result.history.append(scalar(best, result.baseline_speed) if best is not None else 0.0)
        if best is not None and (leader is None or best.candidate is not leader.candidate):
            leader, stale = best, 0
        else:
            stale += 1
        if time.perf_counter() > shape.deadline:
            result.out_of_time = result.winner is None
            break
        if leader is not None and leader.passed and stale >= shape.patience:
            break
    return result


def _time(judging: Judging, judged: list[Verdict], leader: Verdict | None,
          result: Evolution, workload: Workload, shape: Shape) -> list[Verdict]:
    """Time this generation's passing candidates with the baseline and the leader."""
    passing = [v for v in judged if v.passed]
    if not passing:
        result.verdicts.extend(judged)
        return judged
    again = [leader] if leader is not None and leader.passed else []
    entries: list[Candidate | None] = [None, *(v.candidate for v in again + passing)]
    judging.progress(f"timing {len(passing)} passing candidates against the current code, "
             f"{shape.repeats} runs each")
    timed = replace(workload, expected=dict.fromkeys(result.timed, "passed"))
    samples = judging.evaluator.time_runs(entries, timed, shape.repeats)
    result.baseline.extend(samples[0])
    by_candidate = {id(v.candidate): tuple(s) for v, s in zip(again + passing, samples[1:],
                                                             strict=True)}
    judged = [replace(v, samples=by_candidate[id(v.candidate)])
              if id(v.candidate) in by_candidate else v for v in judged]
    result.verdicts[:] = [replace(v, samples=v.samples + by_candidate[id(v.candidate)])
                          if id(v.candidate) in by_candidate else v for v in result.verdicts]
    result.verdicts.extend(judged)
    return judged
