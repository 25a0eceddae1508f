"""Fault localization: from a failing test to a ranked list of suspect functions.

Two kinds of evidence are fused. The traceback names the project functions the
exception passed through, innermost first. Spectrum-based fault localization (the
Ochiai formula over per-test line coverage) ranks every function and line by how much
more the failing tests use it than the passing ones; it is what finds the culprit of
a plain ``assert f(x) == y`` whose traceback holds only the test.

Tests, conftest.py files and anything outside the project root are never suspects.
"""

from __future__ import annotations

import ast
import bisect
import math
import os
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from pytest_selfheal._heal.localize_clues import (
    divergent_callers,
    enclosing_loop,
    is_timeout,
    producers,
)
from pytest_selfheal._source.patches import function_ref, iter_units, parsed_module, unit_at_line
from pytest_selfheal.errors import SourceError
from pytest_selfheal.models import Failure, FunctionRef, Suspect

#: Directory names whose files are never project code that healing may change.
NON_PROJECT_PARTS = frozenset({
    "tests", "test", "site-packages", "dist-packages", ".tox", ".nox", ".venv", "venv",
    ".git", ".selfheal", "__pycache__",
})

#: node id -> project-relative path -> executed lines
Coverage = Mapping[str, Mapping[str, Collection[int]]]


def is_test_file(relpath: str, test_files: Collection[str]) -> bool:
    """Whether ``relpath`` is test code, which healing must never change."""
    name = relpath.rsplit("/", 1)[-1]
    return (
        relpath in test_files
        or name == "conftest.py"
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or any(part in NON_PROJECT_PARTS for part in relpath.split("/")[:-1])
    )


def project_relpath(path: str, root: Path, test_files: Collection[str]) -> str | None:
    """The project-relative path of ``path`` when it is project code, else ``None``."""
    real = os.path.realpath(path)
    base = os.path.realpath(root)
    if not real.endswith(".py") or not real.startswith(base + os.sep):
        return None
    relpath = real[len(base) + 1:].replace(os.sep, "/")
    if is_test_file(relpath, test_files) or (Path(base) / relpath).name == "setup.py":
        return None
    return relpath


@dataclass(frozen=True)
class Spectrum:
    """Which tests failed and passed, and what each executed.

    :param coverage: the lines each test ran, for the tests whose lines were measured.
    :param reached: node id to the functions (``path::qualname``) it entered, for the
        tests of which only that was measured.
    """

    coverage: Coverage
    failing: frozenset[str]
    passing: frozenset[str]
    reached: Mapping[str, Collection[str]] = field(default_factory=dict)
    #: Project-relative path to the definitions nested in its functions, as
    #: :func:`nested_bodies` gives them.
    nested: Mapping[str, Sequence[tuple[int, int, int]]] = field(default_factory=dict)
    #: The files whose function entries were noted for every measured test: of these,
    #: a test :attr:`reached` nothing it is not noted entering.
    noted_files: frozenset[str] = frozenset()
    #: Function to :meth:`_own_lines`: every function of the failing test's files is
    #: scored, and each clue asks again which tests ran it.
    _lines_of: dict[str, dict[str, list[int]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def ochiai(self, covers: Callable[[Mapping[str, Collection[int]]], bool]) -> float:
        """Ochiai suspiciousness of a line, ``covers`` telling whether a test's lines hold
        it; only tests whose lines were measured count."""
        failed = sum(1 for nodeid in self.failing if covers(self.coverage.get(nodeid, {})))
        passed = sum(1 for nodeid, files in self.coverage.items()
                     if nodeid in self.passing and covers(files))
        return _ochiai(failed, passed, len(self.failing))

    @cached_property
    def _entered_by(self) -> Mapping[str, frozenset[str]]:
        """Function (``path::qualname``) to the tests noted entering it: the inverse of
        :attr:`reached`, built once, as a real suite has thousands of tests and every
        function of the failing test's files is scored."""
        entered: dict[str, set[str]] = {}
        for nodeid, functions in self.reached.items():
            for function in functions:
                entered.setdefault(function, set()).add(nodeid)
        return {function: frozenset(nodeids) for function, nodeids in entered.items()}

    def running(self, function: FunctionRef) -> frozenset[str]:
        """The measured tests that ran any of ``function``, by either measurement."""
        return self._entered_by.get(str(function), frozenset()).union(self._own_lines(function))

    def _own_lines(self, function: FunctionRef) -> dict[str, list[int]]:
        """The line-measured tests that ran lines of ``function``, and those lines.

        A line of a function nested in it (a closure made by ``__init__``) is not its
        own: a test that calls the closure does not enter the function, and the
        measurement of function entries, which the passing tests mostly get, says so.
        """
        key = f"{function}:{function.lineno}-{function.end_lineno}"
        if key in self._lines_of:
            return self._lines_of[key]
        inner = [(body, end) for defined, body, end in self.nested.get(function.path, ())
                 if function.lineno < defined and end <= function.end_lineno]
        first, last = function.lineno, function.end_lineno
        found: dict[str, list[int]] = {}
        self._lines_of[key] = found
        # Only the lines within the function are looked at: a test of a real suite runs
        # thousands of lines of a large module, and every function of it is scored.
        for nodeid, lines in self._sorted_lines.get(function.path, ()):
            own = lines[bisect.bisect_left(lines, first):bisect.bisect_right(lines, last)]
            if inner:
                own = [line for line in own
                       if not any(body <= line <= end for body, end in inner)]
            if own:
                found[nodeid] = own
        return found

    @cached_property
    def _sorted_lines(self) -> Mapping[str, list[tuple[str, list[int]]]]:
        """Path to each line-measured test and the lines it ran there, sorted."""
        by_path: dict[str, list[tuple[str, list[int]]]] = {}
        for nodeid, files in self.coverage.items():
            for path, lines in files.items():
                by_path.setdefault(path, []).append((nodeid, sorted(lines)))
        return by_path

    def function_ochiai(self, function: FunctionRef) -> float:
        """Ochiai suspiciousness of a whole function: that of its most suspicious line.

        A test whose lines of it were not measured counts as running all of them. A
        passing test that leaves a function early (at an argument check) never ran the
        lines after it, which may be the failing tests' alone: networkx's Stoer-Wagner,
        entered by a test of its errors, ranked under nine heap methods it calls."""
        lined = self._own_lines(function)
        running = self.running(function)
        failing, passing = self.failing & running, self.passing & running
        best = _ochiai(len(failing), len(passing), len(self.failing))
        if not any(nodeid in lined for nodeid in passing):
            return best
        failed_on = Counter(line for n in failing if n in lined for line in lined[n])
        passed_on = Counter(line for n in passing if n in lined for line in lined[n])
        whole_failed = sum(1 for n in failing if n not in lined)
        whole_passed = sum(1 for n in passing if n not in lined)
        return max(best, *(_ochiai(whole_failed + failed_on[line], whole_passed + passed_on[line],
                                   len(self.failing))
                           for line in {*failed_on, *passed_on}))

    def tests_entering(self, path: str, qualname: str, lines: tuple[int, int]
                       ) -> frozenset[str]:
        """The measured tests noted entering unit ``qualname`` of ``path`` or a class made
        in it, or running any line of ``path`` from ``lines[0]`` to ``lines[1]``."""
        unit = f"{path}::{qualname}"
        found = {nodeid for function, nodeids in self._entered_by.items()
                 if function == unit or function.startswith(f"{unit}.<locals>.")
                 for nodeid in nodeids}
        first, last = lines
        found.update(nodeid for nodeid, ran in self._sorted_lines.get(path, ())
                     if bisect.bisect_left(ran, first) < bisect.bisect_right(ran, last))
        return frozenset(found)

    def tests_running(self, function: FunctionRef) -> list[str]:
        """Node ids of the measured tests that ran any of ``function``."""
        running = self.running(function)
        measured = dict.fromkeys([*self.coverage, *self.reached])
        return [nodeid for nodeid in measured if nodeid in running]


#: How many suspects a search gets.
SUSPECTS = 8


def _ochiai(failed: int, passed: int, failing: int) -> float:
    if failed == 0:
        return 0.0
    return failed / math.sqrt(failing * (failed + passed))


def localize(
    failure: Failure,
    root: Path,
    test_files: Collection[str],
    read_source: Callable[[str], str],
    spectrum: Spectrum | None,
    limit: int = SUSPECTS,
) -> list[Suspect]:
    """Rank the project functions most likely to hold the fault behind ``failure``.

    :param read_source: project-relative path to the module's current text.
    :param spectrum: coverage of the failing and passing tests, when it was measured.
    :returns: at most ``limit`` suspects, best first.
    """
    ranked: dict[str, Suspect] = {}
    hung = is_timeout(failure)
    # Traceback evidence, innermost project frame first.
    weight = 1.0
    for frame in reversed(failure.frames):
        relpath = project_relpath(frame.path, root, test_files)
        if relpath is None:
            continue
        try:
            tree = parsed_module(read_source(relpath), relpath)
        except (SourceError, OSError):
            continue
        unit = unit_at_line(tree, frame.lineno)
        if unit is None:
            continue  # module-level code: not a function healing can swap
        function = function_ref(relpath, *unit)
        key = str(function)
        # A test cut off by a time limit stopped wherever the alarm landed: the fault is
        # the loop that did not end, so all of it is suspect.
        lines = enclosing_loop(unit[1], frame.lineno) if hung else (frame.lineno,)
        if key in ranked:
            previous = ranked[key]
            ranked[key] = Suspect(function, previous.score, previous.evidence,
                                  tuple(sorted({*previous.lines, *lines})))
        else:
            ranked[key] = Suspect(function, weight, "traceback", lines)
            weight *= 0.9
    if spectrum is not None:
        by_spectrum = _spectrum_suspects(spectrum, read_source)
        if len(spectrum.failing) >= SEVERAL_FAILING and not hung:
            ranked = _weighed_by_the_others(ranked, by_spectrum, spectrum)
        evidence = [*by_spectrum,
                    *divergent_callers(spectrum, read_source),
                    *producers(failure, spectrum, read_source)]
        for suspect in evidence:
            if is_test_file(suspect.function.path, test_files):
                continue  # test support code (tests/_suite.py) ran, but is never healed
            key = str(suspect.function)
            if key in ranked:
                previous = ranked[key]
                kinds = dict.fromkeys([*previous.evidence.split("+"), suspect.evidence])
                ranked[key] = Suspect(previous.function, max(previous.score, suspect.score),
                                      "+".join(kinds),
                                      tuple(sorted({*previous.lines, *suspect.lines})))
            else:
                ranked[key] = suspect
    # Traceback suspects keep their order among equals: the innermost frame first.
    order = {key: index for index, key in enumerate(ranked)}
    best = sorted(ranked.values(), key=lambda s: (-s.score, order[str(s.function)]))
    return [suspect for suspect in best if suspect.score > 0][:limit]


#: Failing tests measured from which on the others' evidence weighs on the traceback's.
SEVERAL_FAILING = 3


def _weighed_by_the_others(ranked: dict[str, Suspect], by_spectrum: list[Suspect],
                           spectrum: Spectrum) -> dict[str, Suspect]:
    """The traceback's suspects, each weighed by how much more the failing tests run it
    than the passing ones do, next to the function they most single out.

    One failing test's traceback passes through the code that reported the failure,
    which most tests run (a parser's dispatch, the check that raised); when several
    tests fail, the function they all run and the passing ones mostly do not is the
    better suspect (pyparsing's ``Keyword.parseImpl``, never in the traceback of a
    grammar that then fails further on)."""
    best = max((suspect.score for suspect in by_spectrum), default=0.0)
    if best <= 0:
        return ranked
    return {key: replace(suspect, score=round(suspect.score * min(
                1.0, spectrum.function_ochiai(suspect.function) * 0.95 / best), 6))
            for key, suspect in ranked.items()}


def _spectrum_suspects(spectrum: Spectrum, read_source: Callable[[str], str]) -> list[Suspect]:
    paths = {
        path
        for nodeid in spectrum.failing
        for path in spectrum.coverage.get(nodeid, {})
    } | {
        function.split("::", 1)[0]
        for nodeid in spectrum.failing
        for function in spectrum.reached.get(nodeid, ())
    }
    suspects = []
    for relpath in sorted(paths):
        try:
            tree = parsed_module(read_source(relpath), relpath)
        except (SourceError, OSError):
            continue
        for qualname, node in iter_units(tree):
            function = function_ref(relpath, qualname, node)
            score = spectrum.function_ochiai(function)
            if score > 0:
                # Coverage alone is weaker evidence than a frame of the traceback.
                suspects.append(Suspect(function, round(score * 0.95, 6), "coverage"))
    return suspects


def line_scores(function: FunctionRef, spectrum: Spectrum) -> dict[int, float]:
    """Ochiai suspiciousness of each executed line of ``function``."""
    lines = {
        line
        for nodeid in spectrum.coverage
        for line in spectrum.coverage[nodeid].get(function.path, ())
        if function.lineno <= line <= function.end_lineno
    }

    def runs(line: int) -> Callable[[Mapping[str, Collection[int]]], bool]:
        return lambda files: line in files.get(function.path, ())

    return {line: spectrum.ochiai(runs(line)) for line in lines}


def lines_run_by(nodeids: Collection[str], function: FunctionRef, coverage: Coverage) -> set[int]:
    """Lines of ``function`` that any of ``nodeids`` executed."""
    return {
        line
        for nodeid in nodeids
        for line in coverage.get(nodeid, {}).get(function.path, ())
        if function.lineno <= line <= function.end_lineno
    }


def nested_bodies(read_source: Callable[[str], str], paths: Collection[str]
                  ) -> dict[str, list[tuple[int, int, int]]]:
    """Per module, every function or class defined inside a function: the line of its
    ``def`` (or ``class``), the first line of its body and its last line."""
    nested: dict[str, list[tuple[int, int, int]]] = {}
    for relpath in paths:
        try:
            tree = parsed_module(read_source(relpath), relpath)
        except (SourceError, OSError):
            continue
        found = {(node.lineno, node.body[0].lineno, node.end_lineno or node.lineno)
                 for _, unit in iter_units(tree)
                 for node in ast.walk(unit)
                 if node is not unit and isinstance(node, _DEFINITIONS)}
        nested[relpath] = sorted(found)
    return nested


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def importers_closure(graph: Mapping[str, Collection[str]], targets: set[str]) -> set[str]:
    """``targets`` and every module that uses one of them, directly or not.

    :param graph: module to the modules it uses (imports or holds names from).
    """
    reached = set(targets)
    changed = True
    while changed:
        changed = False
        for module, uses in graph.items():
            if module not in reached and reached.intersection(uses):
                reached.add(module)
                changed = True
    return reached
