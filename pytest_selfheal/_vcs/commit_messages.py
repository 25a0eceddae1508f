"""Commit messages of review branches: written so that ``git log`` alone explains a fix.

A fix commit has a conventional subject (``fix(ages.rules): heal test_adult_at_18``), a
body with the failing tests, the root cause in one sentence, the engine and model, how
many candidates were evaluated, the winner's fitness and speedup, and trailers that the
``selfheal`` command reads back. Snapshot commits (the user's uncommitted or staged work,
committed under a fix so that the fix commit shows only the fix) say so in their subject
and carry a ``Selfheal-Snapshot`` trailer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pytest_selfheal.models import Assurance, Candidate, Failure, Fitness

RUN: Final = "Selfheal-Run"
ENGINE: Final = "Selfheal-Engine"
MODEL: Final = "Selfheal-Model"
TEST: Final = "Selfheal-Test"
FUNCTION: Final = "Selfheal-Function"
SNAPSHOT: Final = "Selfheal-Snapshot"
ASSURANCE: Final = "Selfheal-Assurance"
#: Top-level source directories that are not part of a module's dotted name.
SOURCE_ROOTS: Final = ("src.", "lib.")


def module_name(relpath: str) -> str:
    """The dotted module of a project file: ``src/ages/rules.py`` -> ``ages.rules``."""
    module = relpath.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    for prefix in SOURCE_ROOTS:
        module = module.removeprefix(prefix)
    return module


@dataclass(frozen=True)
class FixFacts:
    """What the message of a fix commit says about the fix.

    :param relpath: the changed file, relative to the repository root.
    :param goal: ``optimize`` for a faster version of passing code.
    :param also: what the fix does besides rewriting its function (``adds import
        unicodedata``, ``rewrites Cart.total``), one line each.
    :param assurance: the fix's label and what it rests on, said in the body and in a
        trailer that ``selfheal list`` reads back.
    """

    candidate: Candidate
    relpath: str
    fitness: Fitness
    candidates_evaluated: int
    lines_changed: int
    run_id: str
    engine: str
    model: str | None
    goal: str = "repair"
    also: Sequence[str] = ()
    assurance: Assurance | None = None


def fix_message(failures: Sequence[Failure], facts: FixFacts) -> str:
    """The message of the commit that holds one heal's fix.

    :param failures: the failing tests this fix heals, the one it was made for first
        (for ``optimize``, one record naming the target).
    """
    if facts.goal == "optimize":
        return _optimization_message(facts)
    candidate, relpath, fitness = facts.candidate, facts.relpath, facts.fitness
    candidates_evaluated, engine, model = facts.candidates_evaluated, facts.engine, facts.model
    test_name = failures[0].nodeid.rsplit("::", 1)[-1]
    lines = [f"fix({module_name(relpath)}): heal {test_name}", ""]
    lines.append("Failing test:" if len(failures) == 1 else "Failing tests:")
    for failure in failures:
        first_line = (failure.message.splitlines() or [""])[0][:120]
        lines.append(f"  {failure.nodeid} failed with {failure.exception_type}"
                     f"{': ' + first_line if first_line else ''}")
    lines += [
        "",
        f"Root cause: in {candidate.function.qualname} ({relpath}), {candidate.description}.",
        "",
    ]
    if facts.also:
        lines += ["The fix also:", *(f"  {line}" for line in facts.also), ""]
    lines += [
        f"Engine: {engine}, model: {model or 'none'}; {candidates_evaluated} candidate"
        f"{'s' if candidates_evaluated != 1 else ''} evaluated.",
        f"Fitness: {fitness.tests_passed} of {fitness.tests_total} tests that exercise the "
        "changed function pass, verified in a fresh process.",
    ]
    if fitness.speedup is not None:
        lines.append(f"Speedup: {fitness.speedup:.2f}x the original's speed on those tests.")
    if facts.assurance is not None:
        lines.extend(assurance_lines(facts.assurance))
    lines += [f"Lines changed: {facts.lines_changed}.", ""]
    lines += trailers(facts.run_id, engine=engine, model=model,
                      tests=[failure.nodeid for failure in failures],
                      function=str(candidate.function))
    if facts.assurance is not None:
        lines.append(f"{ASSURANCE}: {facts.assurance.label}")
    return "\n".join(lines) + "\n"


def assurance_lines(assurance: Assurance) -> list[str]:
    """What the label of a fix rests on, for its commit message."""
    confirmed = (f"{assurance.confirming} of {assurance.held_out} held-out test"
                 f"{'s' * (assurance.held_out != 1)} (never run by the search) ran the "
                 "changed lines and passed")
    if assurance.label == "verified":
        return [f"Verified: {confirmed}."]
    lines = [f"Plausible, review before merging: {confirmed}."]
    lines += [f"  - {doubt}" for doubt in assurance.doubts]
    if assurance.disagreement is not None:
        lines.append(f"  Fixes that pass every test disagree on {assurance.disagreement.call}:")
        lines += [f"    {change}: {output}" for change, output in assurance.disagreement.outputs]
    return lines


def _optimization_message(facts: FixFacts) -> str:
    candidate, relpath, fitness = facts.candidate, facts.relpath, facts.fitness
    candidates_evaluated, engine, model = facts.candidates_evaluated, facts.engine, facts.model
    faster = f" ({fitness.speedup:.1f}x)" if fitness.speedup is not None else ""
    lines = [f"perf({module_name(relpath)}): faster {candidate.function.qualname}{faster}", "",
             f"Change: {candidate.description}.", "",
             f"Engine: {engine}, model: {model or 'none'}; {candidates_evaluated} candidate"
             f"{'s' if candidates_evaluated != 1 else ''} evaluated.",
             f"Fitness: {fitness.tests_passed} of {fitness.tests_total} tests that exercise the "
             "function pass, verified in a fresh process; it returned the same values as the "
             "original on every call those tests made."]
    if fitness.speedup is not None:
        lines.append(f"Speedup: {fitness.speedup:.2f}x (medians: "
                     f"{fitness.speedup_median or 0:.2f}x) over {fitness.timing_runs} timing "
                     "runs of those tests' call phases, measured side by side with the "
                     "original.")
    lines += [f"Lines changed: {facts.lines_changed}.", ""]
    lines += trailers(facts.run_id, engine=engine, model=model, tests=[],
                      function=str(candidate.function))
    return "\n".join(lines) + "\n"


def snapshot_message(what: str, run_id: str) -> str:
    """The message of a snapshot commit of the user's work, put under a fix.

    :param what: whose work it is, as the end of ``snapshot of ...``: ``uncommitted
        changes to src/ages/rules.py`` or ``the staged changes``.
    """
    return (
        f"selfheal: snapshot of {what}\n\n"
        "Not a fix. Your work as selfheal found it, committed unchanged so that the\n"
        "commit above shows only the fix. `selfheal apply` leaves it out.\n\n"
        f"{RUN}: {run_id}\n{SNAPSHOT}: yes\n"
    )


def trailers(run_id: str, *, engine: str, model: str | None, tests: Sequence[str],
             function: str) -> list[str]:
    """The trailer lines of a fix commit, in a fixed order."""
    return [f"{RUN}: {run_id}", f"{ENGINE}: {engine}", f"{MODEL}: {model or 'none'}",
            *(f"{TEST}: {nodeid}" for nodeid in tests), f"{FUNCTION}: {function}"]
