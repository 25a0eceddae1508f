"""How far a fix that passes every test can be trusted: its label and its rank.

Passing the tests is not being right: a wrong edit often fits tests that check little.
Three kinds of evidence decide, as in the program-repair literature (PATCH-SIM, Xiong et
al. 2018: a right fix changes the behaviour of the passing tests little):

- tests the search never ran (held out) that execute the changed lines and pass; a held
  out test that never reaches the edit cannot tell a right fix from a wrong one;
- the behaviour of the tests that passed before: a candidate that changes what the
  function returned to them, which they accepted, is suspect;
- edits that fit tests more often than they fix bugs (anti-patterns), and inputs on which
  two candidates that both pass every test disagree.

Only a fix with two confirming held-out tests and no doubt is called ``verified``.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Mapping, Sequence

from pytest_selfheal._evaluate.inputs import nudged
from pytest_selfheal.models import (
    Assurance,
    Behaviour,
    Candidate,
    Disagreement,
    FunctionRef,
    Signals,
    TestRun,
)

#: How a result that is an exception, and one that took too long, start (the texts of
#: :mod:`~pytest_selfheal._evaluate.behaviour`).
RAISES = "raises "
NO_RESULT = "does not return"

#: Held-out tests that must run the changed lines and pass for a fix to be verified.
CONFIRMATIONS_NEEDED = 2

Coverage = Mapping[str, Mapping[str, Iterable[int]]]


def changed_hunks(old_source: str, new_source: str) -> list[frozenset[int]]:
    """The lines of ``old_source`` each change of ``new_source`` touches (1-based).

    A pure insertion counts the line it comes before: the statement it guards or
    precedes, which a test must run to run the inserted code.
    """
    matcher = difflib.SequenceMatcher(None, old_source.splitlines(), new_source.splitlines(),
                                      autojunk=False)
    hunks = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        hunks.append(frozenset(range(i1 + 1, i2 + 1)) if i2 > i1 else frozenset({i1 + 1}))
    return hunks


def confirming_tests(held_out: Iterable[str], hunks: Sequence[frozenset[int]], path: str,
                     coverage: Coverage) -> list[str]:
    """The held-out tests whose measured lines of ``path`` include every change."""
    confirming = []
    for nodeid in held_out:
        lines = set(coverage.get(nodeid, {}).get(path, ()))
        if hunks and all(hunk & lines for hunk in hunks):
            confirming.append(nodeid)
    return confirming


def line_map(candidate_source: str, original_source: str) -> dict[int, int]:
    """Line numbers of ``candidate_source`` to those of the same lines in the original,
    an edited line to the line it replaced; lines the candidate added are left out."""
    matcher = difflib.SequenceMatcher(None, candidate_source.splitlines(),
                                      original_source.splitlines(), autojunk=False)
    mapping: dict[int, int] = {}
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a2 - a1 == b2 - b1):
            for offset in range(a2 - a1):
                mapping[a1 + offset + 1] = b1 + offset + 1
    return mapping


def nearby_inputs(original: TestRun, tests: Iterable[str]) -> frozenset[str]:
    """Texts of argument tuples one small change (:func:`nudged`, one argument at a
    time) away from those the function was called with in ``tests``, tests that passed
    before the fix: the inputs of :attr:`TestRun.outputs` near calls the original code
    got right."""
    near: set[str] = set()
    for nodeid in tests:
        behaviour = original.behaviour.get(nodeid)
        for arguments, _ in behaviour.calls if behaviour else ():
            try:
                values = ast.literal_eval(arguments)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
            if not isinstance(values, tuple):
                continue
            for place, value in enumerate(values):
                near.update(repr((*values[:place], other, *values[place + 1:]))
                            for other in nudged(value))
    return frozenset(near)


def hangs_near(run: TestRun, tests: Sequence[str]) -> str | None:
    """The first new input near the calls of ``tests`` in ``run`` (its own recording,
    as the original code may have hung before the failing test's calls were noted) on
    which the function did not return in time; ``None`` when there is none."""
    near = nearby_inputs(run, tests)
    return next((text for text, output in run.outputs.items()
                 if text in near and output.startswith(NO_RESULT)), None)


def compare(original: TestRun, run: TestRun, tests: Iterable[str], candidate: Candidate,
            original_source: str, nearby: frozenset[str] = frozenset(),
            peers: Sequence[TestRun] = ()) -> Signals:
    """How far ``candidate`` changes what its function did in ``tests`` (tests that
    passed before the fix), both runs recorded (:meth:`Evaluator.observe`), and on the
    new inputs, ``nearby`` ones (:func:`nearby_inputs`) counted apart; ``peers`` are the
    runs of the other passing candidates."""
    lines = line_map(candidate.source, original_source)
    results = changed_lines = 0
    for nodeid in tests:
        before = original.behaviour.get(nodeid)
        after = run.behaviour.get(nodeid)
        if before is None and after is None:
            continue
        before = before or Behaviour((), frozenset())
        after = after or Behaviour((), frozenset())
        results += _changed_results(before, after)
        mapped = {lines.get(line, -line) for line in after.lines}
        changed_lines += len(mapped ^ before.lines)
    changed = {text for text, output in run.outputs.items()
               if text in original.outputs and not same_result(original.outputs[text], output)}
    # Only near the passing calls: far from them, an input may be one the function need
    # not take (points of another dimension than the centre), which the original code
    # took only because its bug ignored it.
    crashes = sum(1 for text, output in run.outputs.items()
                  if text in nearby and output.startswith((RAISES, NO_RESULT))
                  and _returns_elsewhere(text, original, peers))
    return Signals(change=candidate.description, results_changed=results,
                   lines_changed=changed_lines, inputs_changed=len(changed),
                   nearby_changed=len(changed & nearby), new_crashes=crashes, measured=True)


def _returns_elsewhere(text: str, original: TestRun, peers: Sequence[TestRun]) -> bool:
    """Whether the original code returned a value for the input ``text``; when it gave
    nothing there (it hangs on the failing test, so it never got to the new inputs),
    whether another passing candidate did."""
    before = original.outputs.get(text)
    if before is not None:
        return not before.startswith((RAISES, NO_RESULT))
    return any(not peer.outputs.get(text, RAISES).startswith((RAISES, NO_RESULT))
               for peer in peers)


def _changed_results(before: Behaviour, after: Behaviour) -> int:
    """Calls made with the same arguments in both runs whose results differ."""
    results: dict[str, list[str]] = {}
    for arguments, result in before.calls:
        results.setdefault(arguments, []).append(result)
    changed = 0
    for arguments, result in after.calls:
        earlier = results.get(arguments)
        if earlier:
            changed += earlier.pop(0) != result
    return changed


def rank_key(signals: Signals, order: int) -> tuple[bool, int, int, int, int, int]:
    """Sort key of a passing candidate: unsuspected first, then without anti-patterns,
    then the one that changes fewest results of the passing tests' calls, then fewest
    results on new inputs near those calls, then the one that brings in fewest crashes
    (an exception or a call that does not return) on those inputs, then the search's own
    order (likeliest edit first).

    The lines run and the results on all new inputs are reported, not ranked on: the fix
    of a wrong condition changes which lines run, and the fix of a bug wrong on most
    inputs changes most results, while an edit that fits the tests may change less of
    either (on the corpus of ``benchmarks/bugs``, ranking on them chose two wrong fixes).
    Near the calls of tests the original code passed it was most likely right too: there
    an edit that only fits the failing test (``age != 17`` for ``age >= 18``) changes
    results the right fix keeps. An exception where the original code returned a value
    is seldom what a fix is for (Yang et al. 2017, "Better test cases for better
    automated program repair": new crashes on generated inputs tell overfitting fixes)."""
    return (signals.suspect, len(signals.anti_patterns), signals.results_changed,
            signals.nearby_changed, signals.new_crashes, order)


def same_standing(first: Signals, second: Signals) -> bool:
    """Whether only the search's order ranks one of two passing candidates above the
    other: every signal of :func:`rank_key` is the same."""
    return rank_key(first, 0)[:-1] == rank_key(second, 0)[:-1]


def assess(
    held_out: Sequence[str],
    confirming: Sequence[str],
    signals: Sequence[Signals],
    disagreement: Disagreement | None,
    function: FunctionRef,
) -> Assurance:
    """The label of a fix: ``signals[0]`` is the winner's, the rest are the other
    passing candidates it was compared with."""
    doubts: list[str] = []
    count = len(confirming)
    if count < CONFIRMATIONS_NEEDED:
        if not held_out:
            doubts.append("no test the search never ran covers the function to confirm it")
        else:
            doubts.append(f"{_tests(count)} of the {len(held_out)} the search never ran "
                          f"execute{'s' * (count == 1)} the changed line"
                          f"{'' if count == 1 else 's'} and passed; "
                          f"{CONFIRMATIONS_NEEDED} are needed to confirm it")
    winner = signals[0] if signals else None
    if winner is not None and winner.suspect:
        doubts.append(f"it changes what {function.qualname} returned on "
                      f"{_calls(winner.results_changed)} of tests that passed before")
    if winner is not None:
        doubts.extend(winner.anti_patterns)
    if disagreement is not None:
        doubts.append(f"another fix also passes every test and gives something else for "
                      f"{disagreement.call}")
    return Assurance(label="plausible" if doubts else "verified", held_out=len(held_out),
                     confirming=count, doubts=tuple(doubts), disagreement=disagreement,
                     signals=tuple(signals))


def _tests(count: int) -> str:
    return {0: "none", 1: "only 1"}.get(count, f"only {count}")


def _calls(count: int) -> str:
    return f"{count} call{'s' * (count != 1)}"


def same_result(first: str, second: str) -> bool:
    """Whether two recorded results (a value's text, or what happened instead) are the
    same to a test that compares them with ``==``: ``5`` and ``5.0`` are, so no test
    could tell apart two fixes that differ only there."""
    if first == second:
        return True
    try:
        return bool(ast.literal_eval(first) == ast.literal_eval(second))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
