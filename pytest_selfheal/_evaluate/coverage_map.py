"""Per-test line coverage with coverage.py: the only module that imports :mod:`coverage`.

Used inside child test runs (see :mod:`pytest_selfheal.plugin._probe`): each test's setup, call
and teardown are recorded under a dynamic context named by its node id, so the parent
learns which lines every test executed. The C tracer is pinned because the
``sys.monitoring`` core can drop lines shared between contexts (coverage.py issue 2200).

The parent reads what a child measured from coverage.py's data file
(:func:`read_per_test`): coverage.py writes a test's lines to it when the next test's
context begins, so even a child that had to be killed leaves the tests it finished.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence

import coverage
from coverage.exceptions import CoverageException

#: Environment that a child process needs for reliable per-test contexts.
CHILD_ENVIRONMENT = {"COVERAGE_CORE": "ctrace"}

#: node id -> absolute file path -> executed lines
PerTest = dict[str, dict[str, list[int]]]


class TestCoverage:
    """Record which lines of the measured files each test executes.

    :param roots: directories whose Python files are measured, unless ``files`` is given.
    :param files: the only files measured.
    :param omit: glob patterns of files never measured (the tests themselves).
    :param data_file: where coverage.py keeps its data.
    """

    __test__ = False  # not a test class, despite the name

    def __init__(self, roots: Sequence[str], omit: Sequence[str], data_file: str,
                 files: Sequence[str] = ()) -> None:
        self._coverage = coverage.Coverage(
            data_file=data_file,
            source=None if files else list(roots),
            include=list(files) or None,
            omit=list(omit),
            config_file=False,
            messages=False,
        )
        self._started = False

    def start(self) -> None:
        """Begin measuring; code run before the first :meth:`switch` is not attributed."""
        self._coverage.start()
        self._started = True

    def switch(self, nodeid: str) -> None:
        """Attribute the lines executed from now on to test ``nodeid``."""
        if self._started:
            self._coverage.switch_context(nodeid)

    def stop(self) -> None:
        """Stop measuring and write everything measured to the data file."""
        if self._started:
            self._coverage.stop()
            self._coverage.save()
            self._started = False


def read_per_test(data_file: str) -> PerTest:
    """What a child measured: node id -> absolute file path -> executed lines.

    ``{}`` when nothing was written (the child died before its first test ended).
    """
    if not os.path.exists(data_file):
        return {}
    data = coverage.CoverageData(basename=data_file)
    try:
        data.read()
        per_test: dict[str, dict[str, set[int]]] = {}
        for filename in data.measured_files():
            path = os.path.realpath(filename)
            for lineno, contexts in data.contexts_by_lineno(filename).items():
                for context in contexts:
                    if context:
                        per_test.setdefault(context, {}).setdefault(path, set()).add(lineno)
    except (CoverageException, sqlite3.Error):
        return {}  # a file cut short while it was being written: nothing to trust in it
    return {
        nodeid: {path: sorted(lines) for path, lines in files.items()}
        for nodeid, files in per_test.items()
    }
