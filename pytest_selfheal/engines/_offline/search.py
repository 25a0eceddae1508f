"""Two-edit candidates, built from single edits that failed, and AST deduplication.

A bug that needs two edits (a bound and a comparison, a guard and a return) shows up
in the single-edit round as candidates that get further than the original: the
failing test passes, another covering test breaks. Such *partial fixes* seed a small
beam, each combined with the likeliest other single edits; pairs of the likeliest
single edits fill the rest. Without a partial fix there is no second round. Every
edit of a pair was tried alone and failed, so a passing pair is already minimal:
neither edit can be dropped.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from pytest_selfheal.models import Candidate, Verdict


@dataclass(frozen=True)
class TextChange:
    """``original[start:end]`` becomes ``text``."""

    start: int
    end: int
    text: str


def text_change(original: str, mutated: str) -> TextChange:
    """The one contiguous change that turns ``original`` into ``mutated``."""
    prefix = 0
    limit = min(len(original), len(mutated))
    while prefix < limit and original[prefix] == mutated[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and original[len(original) - 1 - suffix] == mutated[len(mutated) - 1 - suffix]
    ):
        suffix += 1
    return TextChange(prefix, len(original) - suffix, mutated[prefix : len(mutated) - suffix])


def combined(original: str, first: TextChange, second: TextChange) -> str | None:
    """``original`` with both changes, or ``None`` when they overlap or touch."""
    if first.start > second.start:
        first, second = second, first
    if first.end >= second.start:
        return None
    return (
        original[: first.start]
        + first.text
        + original[first.end : second.start]
        + second.text
        + original[second.end :]
    )


def normalized(source: str) -> str | None:
    """The module's AST without positions, the identity of a candidate; ``None`` when
    the text does not parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.dump(ast.parse(source))
        except (SyntaxError, ValueError):
            return None


@dataclass(frozen=True)
class PairBudget:
    """How many pairs :func:`pairs` builds.

    :param beam: partial fixes (most tests passed first) combined with partners.
    :param partners: likeliest single edits combined with each seed and each other.
    :param limit: most candidates returned.
    """

    beam: int = 4
    partners: int = 10
    limit: int = 60


def pairs(
    originals: dict[str, str],
    singles: Sequence[Candidate],
    feedback: Sequence[Verdict],
    seen: set[str],
    budget: PairBudget = PairBudget(),
) -> list[Candidate]:
    """Two-edit candidates, partial fixes first, each new to ``seen`` (updated).

    :param originals: path to the text the single edits were made on.
    :param singles: the single-edit candidates, most likely first.
    :param feedback: verdicts of the candidates tried so far.
    """
    failed = {id(v.candidate): v for v in feedback if not v.passed and not v.rejected}
    tried = [candidate for candidate in singles if id(candidate) in failed]
    # Partial fixes: the failing test (always run first) passed, something else broke.
    partial = sorted((c for c in tried if failed[id(c)].tests_passed > 0),
                     key=lambda c: -failed[id(c)].tests_passed)[:budget.beam]
    likely = tried[:budget.partners]
    ordered: list[tuple[Candidate, Candidate]] = []
    for seed in partial:
        ordered.extend((seed, other) for other in likely if other is not seed)
    if partial:
        # Blind pairs of likely edits only follow where the singles showed progress;
        # without any, the search space of pairs is too large for them to pay off.
        for index, first in enumerate(likely):
            ordered.extend((first, second) for second in likely[index + 1 :])
    result: list[Candidate] = []
    for first, second in ordered:
        if len(result) >= budget.limit:
            break
        candidate = make_pair(originals, first, second, seen)
        if candidate is not None:
            result.append(candidate)
    return result


def make_pair(
    originals: dict[str, str], first: Candidate, second: Candidate, seen: set[str]
) -> Candidate | None:
    """The candidate making both edits, when they do not overlap and it is new to
    ``seen`` (updated)."""
    if first.function != second.function:
        # One candidate rewrites one function: the live swap replaces only its code.
        return None
    original = originals[first.function.path]
    source = combined(original, text_change(original, first.source),
                      text_change(original, second.source))
    if source is None:
        return None
    key = normalized(source)
    if key is None or key in seen:
        return None
    seen.add(key)
    return Candidate(
        function=first.function,
        source=source,
        operator=f"{first.operator}+{second.operator}",
        description=f"{first.description}; and {second.description}",
        lineno=min(first.lineno, second.lineno),
    )
