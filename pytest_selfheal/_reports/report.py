"""Reports of a run: the terminal summary section and the JSON report.

The JSON report's fields are documented in the README; fields may be added, none
renamed, so that scripts reading the report keep working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pytest_selfheal.models import Disagreement, HealOutcome, HealStatus

#: Lines of a diff shown per heal in the terminal unless -v is given.
SHORT_DIFF_LINES = 14


def summary_lines(
    outcomes: Sequence[HealOutcome], notes: Sequence[str], *, verbose: bool = False,
    workers: Sequence[str] = (),
) -> list[str]:
    """The lines of the ``selfheal`` section of the terminal summary.

    :param workers: under pytest-xdist, the worker that healed each outcome (``gw0``...),
        in the order of ``outcomes``.
    """
    lines: list[str] = []
    for number, outcome in enumerate(outcomes):
        worker = workers[number] if workers else None
        label = str(outcome.status).upper()
        if outcome.goal == "optimize" and outcome.status is HealStatus.HEALED:
            label = "FASTER"
        plausible = outcome.status is HealStatus.HEALED and outcome.assurance == "plausible"
        lines.append(f"{label:<8} {outcome.tests[0]} ("
                     + (f"worker {worker}, " if worker else "")
                     + f"{outcome.elapsed_s:.1f}s, "
                     f"{outcome.candidates_evaluated} candidates)"
                     + (": PLAUSIBLE fix, not verified" if plausible else ""))
        if outcome.status is HealStatus.HEALED:
            lines.append(f"  {'change' if outcome.goal == 'optimize' else 'fix'}: "
                         f"{outcome.reason}")
            lines.extend(speed_lines(outcome))
            lines.extend(assurance_lines(outcome))
            if outcome.branch:
                lines.append(f"  branch: {outcome.branch} (commit {(outcome.commit or '')[:10]})")
            rerun = ("passed" if outcome.rerun_outcome == "passed"
                     else outcome.rerun_outcome or "not re-run")
            if outcome.goal == "optimize":
                rerun = "not re-run (optimized at the end of the session)"
            session = f"worker {worker}'s session" if worker else "this session"
            lines.append(f"  reloaded into {session}: {'yes' if outcome.reloaded else 'no'}; "
                         f"re-run: {rerun}")
            diff = outcome.diff.splitlines()
            shown = diff if verbose else diff[:SHORT_DIFF_LINES]
            lines.extend("  | " + line for line in shown)
            if len(shown) < len(diff):
                lines.append(f"  | ... {len(diff) - len(shown)} more lines (-v shows all)")
        else:
            lines.append(f"  why: {outcome.reason}")
            if outcome.suspects:
                lines.append("  suspects: " + ", ".join(
                    f"{suspect.function} ({suspect.score:.2f})" for suspect in outcome.suspects))
            if outcome.disagreement is not None:
                lines += disagreement_lines(outcome.disagreement)
        if outcome.history:
            lines.append(f"  fitness per generation: {sparkline(outcome.history)} "
                         + " ".join(f"{score:.2f}" for score in outcome.history))
        if outcome.leaderboard and (verbose or outcome.history):
            lines.extend(leaderboard_lines(outcome, 5 if not verbose else 20))
        lines.extend(f"  note: {note}" for note in outcome.notes)
    lines.extend(f"note: {note}" for note in notes)
    if outcomes:
        counts = {status: sum(1 for o in outcomes if o.status is status) for status in HealStatus}
        lines.append(", ".join(f"{count} {status}" for status, count in counts.items() if count)
                     + "; the test outcomes above are those of the original code")
        doubtful = sum(1 for o in outcomes
                        if o.status is HealStatus.HEALED and o.assurance == "plausible")
        if doubtful:
            lines.append(f"{doubtful} of the {counts[HealStatus.HEALED]} fixes "
                         f"{'is' if doubtful == 1 else 'are'} only plausible: review "
                         f"{'it' if doubtful == 1 else 'them'} before merging")
        branches = sorted({o.branch for o in outcomes if o.branch})
        for branch in branches:
            lines.append(f"review: selfheal show {branch}   apply: selfheal apply {branch}   "
                         f"drop: selfheal drop {branch}")
    return lines


def assurance_lines(outcome: HealOutcome) -> list[str]:
    """Why a healed fix is verified or only plausible; the test to paste when fixes that
    pass every test disagree."""
    if not outcome.assurance:
        return []
    count = outcome.confirming_tests
    if outcome.assurance == "verified":
        return [f"  verified: {count} held-out test{'s' * (count != 1)} the search never ran "
                "execute the changed lines and pass"]
    lines = [f"  plausible: {count} of {outcome.held_out_tests} held-out tests confirm it"]
    lines += [f"    - {doubt}" for doubt in outcome.doubts]
    if outcome.disagreement is not None:
        lines += disagreement_lines(outcome.disagreement)
    return lines


def disagreement_lines(disagreement: Disagreement) -> list[str]:
    """The input on which fixes that pass every test disagree, and the test to paste."""
    return [f"  fixes that pass every test disagree on {disagreement.call}:",
            *(f"    {output:<24} {change}" for change, output in disagreement.outputs),
            "  the right answer decides: paste this test into your tests, with the right value",
            *disagreement.test.splitlines()]


#: Bars of the terminal sparkline, lowest to highest.
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """``values`` as one bar each, scaled from zero (or the lowest, when below zero) to
    the highest: a small change between large values stays a small change of bar."""
    if not values:
        return ""
    low, high = min(0.0, *values), max(values)
    if high - low < 1e-12:
        return BARS[-1] * len(values)
    return "".join(BARS[round((v - low) / (high - low) * (len(BARS) - 1))] for v in values)


def speed_lines(outcome: HealOutcome) -> list[str]:
    """The measured speedup of a heal's winner and its spread, when it was timed."""
    fitness = outcome.winner
    if fitness is None or fitness.speedup is None:
        return []
    return [f"  speed: {fitness.speedup:.2f}x the original (min of {fitness.timing_runs} runs; "
            f"medians {fitness.speedup_median or 0:.2f}x; spread {fitness.spread or 0:.0%}): "
            f"{fitness.runtime_s * 1000:.2f} ms vs {fitness.baseline_runtime_s * 1000:.2f} ms"]


def leaderboard_lines(outcome: HealOutcome, size: int) -> list[str]:
    """The best candidates of a heal, one line each: rank, result, best time, change."""
    lines = ["  leaderboard:"]
    for place, verdict in enumerate(outcome.leaderboard[:size], start=1):
        timing = f"{min(verdict.samples) * 1000:8.2f} ms" if verdict.samples else " " * 11
        result = "pass" if verdict.passed else "FAIL"
        why = "" if verdict.passed else f" ({verdict.reason[:200]})"
        lines.append(f"  {place:>3}. {result} {verdict.tests_passed}/{verdict.tests_total} "
                     f"{timing}  {verdict.candidate.description}{why}")
    return lines


@dataclass(frozen=True)
class RunFacts:
    """What the JSON report says about the run as a whole.

    :param started: when the run started, in seconds since the epoch.
    :param model: the model asked, ``None`` when none was.
    :param budget: what the LLM engine used and was allowed (calls, tokens, cost),
        ``None`` when no model was asked.
    :param seed: the evolution's seed, when the evolve engine ran.
    """

    version: str
    provider: str
    started: float
    elapsed_s: float
    model: str | None = None
    budget: Mapping[str, Any] | None = None
    seed: int | None = None


def json_report(outcomes: Sequence[HealOutcome], notes: Sequence[str],
                run: RunFacts, workers: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON report of a run; under pytest-xdist each heal names its ``worker``."""
    budget = run.budget
    heals = [outcome.to_json() for outcome in outcomes]
    for heal, worker in zip(heals, workers, strict=False):
        heal["worker"] = worker
    return {
        "version": run.version,
        "provider": run.provider,
        "model": run.model,
        "seed": run.seed,
        "started": datetime.fromtimestamp(run.started, UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(run.elapsed_s, 3),
        "budget": dict(budget) if budget is not None else {
            "calls": {"used": sum(o.llm_calls for o in outcomes), "allowed": None},
            "tokens": {"used": 0, "allowed": None},
            "cost": {"used": 0.0, "allowed": None},
        },
        "heals": heals,
        "notes": list(notes),
    }
