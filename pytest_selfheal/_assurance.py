"""What a fix's label rests on: how the passing candidates behaved besides passing.

Records shared by the healer, which measures them, and the reports and commit messages,
which say them; kept apart from :mod:`~pytest_selfheal.models`, which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Disagreement:
    """An input on which fixes that pass every test return different things.

    :param call: the call, as code (``binomial(5, 0)``).
    :param outputs: per fix, its change and what the call gives with it (a ``repr``, or
        ``raises ValueError``), the committed fix first.
    :param test: a test to paste into the project, asserting what the committed fix
        gives; the user keeps it, or corrects the value and so rejects the fix.
    """

    call: str
    outputs: tuple[tuple[str, str], ...]
    test: str


@dataclass(frozen=True)
class Signals:
    """How a candidate that passes every test behaves besides passing them.

    Measured on the tests that passed before the fix, against the original code: a right
    fix changes little of what they saw.

    :param results_changed: calls of the changed function in those tests that returned
        something else than with the original code, whose result the tests accepted.
    :param lines_changed: lines of the function run by those tests with one code and not
        with the other, summed over the tests.
    :param inputs_changed: inputs made from the tests' arguments on which it gives
        something else than the original code (counted when two candidates pass).
    :param nearby_changed: of those inputs, the ones a single small change away from the
        arguments of a call in the tests that passed before (a number one off, a list
        one item shorter, ...), on which it gives something else than the original
        code. Near calls the original got right, it most often is right too, and a
        right fix changes little there.
    :param new_crashes: of the new inputs near those calls, those on which it raises an
        exception or does not return in time where the original code (or, when that
        gave nothing, another passing candidate) returned a value: a crash it brings in.
    :param anti_patterns: edits that fit tests more often than they fix bugs.
    :param measured: whether the behaviour was measured at all (a fork of the session
        is needed).
    """

    change: str
    results_changed: int = 0
    lines_changed: int = 0
    inputs_changed: int = 0
    nearby_changed: int = 0
    new_crashes: int = 0
    anti_patterns: tuple[str, ...] = ()
    measured: bool = False

    @property
    def suspect(self) -> bool:
        """It changes results on which the original code was right."""
        return self.results_changed > 0


@dataclass(frozen=True)
class Assurance:
    """How far a fix can be trusted, and why.

    :param label: ``verified`` or ``plausible``.
    :param held_out: tests covering the function that the search never ran.
    :param confirming: of those, the ones that run the changed lines and passed: only
        they can tell a right fix from a wrong one.
    :param doubts: why the fix is only plausible, in words.
    :param disagreement: an input on which fixes that pass every test disagree.
    :param signals: the fix that won and the other passing candidates it was compared
        with, in the order they were ranked.
    """

    label: str
    held_out: int = 0
    confirming: int = 0
    doubts: tuple[str, ...] = ()
    disagreement: Disagreement | None = None
    signals: tuple[Signals, ...] = ()
