"""Per-test line coverage with coverage.py: the only module that imports :mod:`coverage`.

Used inside child test runs (see :mod:`pytest_selfheal.probe`): each test's setup, call
and teardown are recorded under a dynamic context named by its node id, so the parent
learns which lines every test executed. The C tracer is pinned because the
``sys.monitoring`` core can drop lines shared between contexts (coverage.py issue 2200).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import coverage

#: Environment that a child process needs for reliable per-test contexts.
CHILD_ENVIRONMENT = {"COVERAGE_CORE": "ctrace"}


class TestCoverage:
    """Record which lines of the files under ``roots`` each test executes.

    :param roots: directories whose Python files are measured.
    :param omit: glob patterns of files never measured (the tests themselves).
    :param data_file: where coverage.py keeps its data while the run lasts.
    """

    __test__ = False  # not a test class, despite the name

    def __init__(self, roots: Sequence[str], omit: Sequence[str], data_file: str) -> None:
        self._coverage = coverage.Coverage(
            data_file=data_file,
            source=list(roots),
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

    def stop(self) -> dict[str, dict[str, list[int]]]:
        """Stop measuring and return node id -> absolute file path -> executed lines."""
        if not self._started:
            return {}
        self._coverage.stop()
        self._started = False
        data = self._coverage.get_data()
        per_test: dict[str, dict[str, set[int]]] = {}
        for filename in data.measured_files():
            path = os.path.realpath(filename)
            for lineno, contexts in data.contexts_by_lineno(filename).items():
                for context in contexts:
                    if context:
                        per_test.setdefault(context, {}).setdefault(path, set()).add(lineno)
        return {
            nodeid: {path: sorted(lines) for path, lines in files.items()}
            for nodeid, files in per_test.items()
        }
