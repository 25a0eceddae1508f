"""How often each repair operator fixed this project's bugs: learned, kept, reused.

Projects have habits: one keeps writing ``<`` for ``<=``, another forgets ``None``
guards. Every finished heal adds, per operator, how many of its candidates were tried
and whether one of them won; the search then orders the next heal's candidates by
these rates, smoothed towards a prior so that an operator never tried keeps its
chance. The counts live in one small JSON file, ``<rootdir>/.selfheal/operators.json``,
owned by this module alone.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from pytest_selfheal._statedir import STATE_DIR, state_dir

FILENAME = "operators.json"
_VERSION = 1
# Pseudo-candidates of prior belief per operator (worth twenty wins at a prior of 1):
# a project's habits show over dozens of heals; one lucky win must not reorder the
# next heal of the same run.
_PRIOR_WEIGHT = 1000.0
# About one candidate in this many is the fix, before anything is learned.
_BASE_RATE = 0.02


class OperatorRates:
    """Per-operator counts of candidates tried and heals won, in one project.

    :param root: the project's rootdir, whose ``.selfheal`` directory keeps the counts,
        or ``None`` to learn in memory only.
    :param prior: operator id to how likely its candidates are to be the fix before
        anything is learned, in ``(0, 1]``.
    """

    def __init__(self, root: Path | None, prior: Mapping[str, float]) -> None:
        self.root = root
        self.prior = dict(prior)
        self.tried: dict[str, int] = {}
        self.won: dict[str, int] = {}
        self._dirty = False
        self._load()

    @property
    def path(self) -> Path | None:
        """Where the counts are kept, or ``None`` in memory."""
        return None if self.root is None else self.root / STATE_DIR / FILENAME

    def rate(self, operator: str) -> float:
        """The smoothed success rate of ``operator``'s candidates in this project."""
        prior = self.prior.get(operator, 0.5)
        tried = self.tried.get(operator, 0)
        won = self.won.get(operator, 0)
        return (won + _BASE_RATE * prior * _PRIOR_WEIGHT) / (tried + _PRIOR_WEIGHT)

    def record(self, tried: Iterable[str], winner: str | None) -> None:
        """Count one finished heal: the operators of the candidates tried (one entry
        per candidate) and the winner's operator, if any. :meth:`save` keeps them."""
        for operator in tried:
            self.tried[operator] = self.tried.get(operator, 0) + 1
        if winner is not None:
            for operator in winner.split("+"):
                self.won[operator] = self.won.get(operator, 0) + 1
        self._dirty = True

    def _load(self) -> None:
        path = self.path
        if path is None:
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # missing or damaged: start from the prior, the next save repairs it
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return
        operators = data.get("operators")
        if not isinstance(operators, dict):
            return
        for name, counts in operators.items():
            if isinstance(counts, dict):
                tried, won = counts.get("tried"), counts.get("won")
                if isinstance(tried, int) and isinstance(won, int) and 0 <= won <= tried:
                    self.tried[name], self.won[name] = tried, won

    def save(self) -> None:
        """Write the counts, once per test session: the project directory is left
        alone while candidates are judged in it."""
        if self.root is None or not self._dirty:
            return
        data = {
            "version": _VERSION,
            "operators": {
                name: {"tried": self.tried.get(name, 0), "won": self.won.get(name, 0)}
                for name in sorted(set(self.tried) | set(self.won))
            },
        }
        try:
            directory = state_dir(self.root)  # made git-ignored on first use
            # Write then rename: a run killed mid-write leaves the old counts intact.
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=FILENAME)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, indent=1, sort_keys=True)
            os.replace(temporary, directory / FILENAME)
            self._dirty = False
        except OSError:
            pass  # learning is an optimisation; a read-only checkout still heals
