"""How often each repair operator fixed this project's bugs: learned, kept, reused.

Projects have habits: one keeps writing ``<`` for ``<=``, another forgets ``None``
guards. Every finished heal adds, per operator, how many of its candidates were tried
and whether one of them won; the search then orders the next heal's candidates by
these rates, smoothed towards a prior so that an operator never tried keeps its
chance. The counts live in one small JSON file, ``<rootdir>/.selfheal/operators.json``,
owned by this module alone.
"""

from __future__ import annotations

import fcntl
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
        self.tried, self.won = self._load()
        # What the file held when this session read it: at save, only what this session
        # added goes on top of the file's counts then, which other processes (the other
        # pytest-xdist workers) may have raised meanwhile.
        self._loaded = (dict(self.tried), dict(self.won))

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

    def _load(self) -> tuple[dict[str, int], dict[str, int]]:
        """The counts tried and won in the file; empty when there are none."""
        path = self.path
        all_tried: dict[str, int] = {}
        all_won: dict[str, int] = {}
        if path is None:
            return all_tried, all_won
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # missing or damaged: start from the prior, the next save repairs it
            return all_tried, all_won
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return all_tried, all_won
        operators = data.get("operators")
        if not isinstance(operators, dict):
            return all_tried, all_won
        for name, counts in operators.items():
            if isinstance(counts, dict):
                tried, won = counts.get("tried"), counts.get("won")
                if isinstance(tried, int) and isinstance(won, int) and 0 <= won <= tried:
                    all_tried[name], all_won[name] = tried, won
        return all_tried, all_won

    def save(self) -> None:
        """Write the counts, once per test session: the project directory is left
        alone while candidates are judged in it."""
        if self.root is None or not self._dirty:
            return
        try:
            directory = state_dir(self.root)  # made git-ignored on first use
            with (directory / f"{FILENAME}.lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                self._write(directory)
        except OSError:
            pass  # learning is an optimisation; a read-only checkout still heals

    def _write(self, directory: Path) -> None:
        tried, won = self._load()
        for counts, now, loaded in ((tried, self.tried, self._loaded[0]),
                                    (won, self.won, self._loaded[1])):
            for name, count in now.items():
                counts[name] = counts.get(name, 0) + count - loaded.get(name, 0)
        data = {
            "version": _VERSION,
            "operators": {name: {"tried": tried.get(name, 0), "won": won.get(name, 0)}
                          for name in sorted(set(tried) | set(won))},
        }
        # Write then rename: a run killed mid-write leaves the old counts intact.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=FILENAME)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1, sort_keys=True)
        os.replace(temporary, directory / FILENAME)
        self.tried, self.won, self._dirty = tried, won, False
        self._loaded = (dict(tried), dict(won))
