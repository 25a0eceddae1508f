"""The pieces of a :class:`~pytest_selfheal.models.HealOutcome` every way of healing shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pytest_selfheal._source.patches import unified_diff
from pytest_selfheal.models import Candidate, Failure, HealOutcome, HealStatus, Suspect, Verdict


def heal_outcome(failure: Failure, engine: str, status: HealStatus, reason: str,
            suspects: Sequence[Suspect] = ()) -> HealOutcome:
    """A heal of ``failure`` that ended with ``status``; ``dataclasses.replace`` adds the rest."""
    return HealOutcome(tests=(failure.nodeid,), status=status, reason=reason, engine=engine,
                       suspects=tuple(suspects))


def leaderboard(
    verdicts: Sequence[Verdict], size: int = 20, winner: Verdict | None = None
) -> tuple[Verdict, ...]:
    """The best ``size`` candidates: the winner, then passing ones, then most tests
    passed, then fastest. (Other passing candidates may not have faced the held-out
    tests: only the winner is sure to have.)"""
    ranked = sorted(verdicts, key=lambda v: (v is not winner, not v.passed, -v.tests_passed,
                                             v.runtime_s))
    return tuple(ranked[:size])


def rejections(verdicts: Sequence[Verdict]) -> tuple[tuple[str, str], ...]:
    """What screening refused, and why."""
    return tuple((v.candidate.description, v.reason) for v in verdicts if v.rejected)


def candidate_diff(candidate: Candidate, old_source: Callable[[str], str]) -> str:
    """The unified diff of every file ``candidate`` changes, against ``old_source``."""
    return "".join(unified_diff(old_source(relpath), text, relpath)
                   for relpath, text in candidate.files.items())
