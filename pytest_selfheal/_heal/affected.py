"""Which of a heal's tests a candidate fix can change: those that enter what it edits.

A candidate that rewrites only the body of one function reaches a forked child as a swap
of that function's code. A test that never entered the function on the unchanged code
runs the very same code beside the candidate, and ends as it did. So a candidate is
judged on the tests that entered its function and the tests that failed; the others
count as ending as they did, which is what running them would show. The tests of a heal
are those of all its suspects, and a large suite's suspects include functions nearly
every test enters (pyparsing's ``parse_string``): a candidate of one that few tests
enter need not wait for all of them.

What is not known to be the function's alone runs every test: an edit inside a function
or class nested in it (a closure made in one test may run in another), a change beyond
the body, another file, a file whose entries were not noted. The winner is still
verified on every test in a fresh process, which would catch a test that depends on
state a changed function left behind in an earlier test.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from pytest_selfheal._heal.localize import Spectrum
from pytest_selfheal._source.patches import (
    FunctionNode,
    changed_unit,
    is_function_swap,
    iter_units,
    parsed_module,
)
from pytest_selfheal.errors import SourceError
from pytest_selfheal.models import Candidate


@dataclass
class Entries:
    """What the measured tests entered, asked per candidate.

    :param read_source: project-relative path to the unchanged text of the module.
    :param failing: the tests that failed on the unchanged code, which every candidate
        must change: they always run, as does every test not measured (the tests of the
        edited module that a winner is held to later, say).
    """

    spectrum: Spectrum
    read_source: Callable[[str], str]
    failing: frozenset[str]
    _unchanged: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict,
                                                              repr=False)

    def unchanged_by(self, candidate: Candidate) -> frozenset[str]:
        """The measured tests that never entered what ``candidate`` edits and did not
        fail: it cannot change how they end. Empty when that is not known."""
        path, qualname = candidate.function.path, candidate.function.qualname
        if candidate.others or path not in self.spectrum.noted_files:
            return frozenset()
        try:
            old = self.read_source(path)
            if not (is_function_swap(old, candidate.source, qualname)
                    and _same_nested(old, candidate.source, path, qualname)):
                return frozenset()
            unchanged = self._unchanged.get((path, qualname))
            if unchanged is None:
                entering = frozenset().union(*(
                    self.spectrum.tests_entering(path, qualname, (first, last))
                    for first, last in _spans(old, path, qualname)))
                measured = {*self.spectrum.coverage, *self.spectrum.reached}
                unchanged = self._unchanged[path, qualname] = frozenset(
                    measured - entering - self.failing)
        except (SourceError, SyntaxError, ValueError):
            return frozenset()
        return unchanged


def _spans(source: str, path: str, qualname: str) -> list[tuple[int, int]]:
    """The lines of every definition of unit ``qualname`` (one under ``if``, another
    under ``else``), decorators included."""
    return [(min([node.lineno, *(d.lineno for d in node.decorator_list)]),
             node.end_lineno or node.lineno)
            for node in _units(parsed_module(source, path), qualname)]


def _same_nested(old: str, new: str, path: str, qualname: str) -> bool:
    """Whether unit ``qualname`` defines the same functions, lambdas and classes within
    it in ``new`` as in ``old``."""
    alone = changed_unit(old, new, qualname)
    after = [alone] if alone is not None else _units(ast.parse(new), qualname)
    return (sorted(_nested(_units(parsed_module(old, path), qualname)))
            == sorted(_nested(after)))


def _units(tree: ast.Module, qualname: str) -> list[FunctionNode]:
    return [node for name, node in iter_units(tree) if name == qualname]


def _nested(units: list[FunctionNode]) -> list[str]:
    return [ast.dump(node) for unit in units for node in ast.walk(unit) if node is not unit
            and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                           | ast.ClassDef)]
