"""Clues that localization fuses in beyond the line spectrum.

- **Divergence.** A function that only failing tests enter (a message constructor, an
  error path) is usually where the failure shows, not where it starts: the decision to
  enter it was taken in a caller that passing tests run too. The call from that caller
  is a branch only the failing tests take, so the caller is ranked just above the
  function it called, with the call's line and the conditions around it as its suspect
  lines. The branch is read from what is measured anyway: the lines the failing tests
  ran and the functions each passing test entered.
- **Producers.** The values a failing assertion compares were produced by calls the
  test makes (``assert lint(code) == [...]``, ``result = parse(text)``,
  ``self.assertEqual(parse(text), [...])``) and that
  pytest names in its ``where ... = f(...)`` explanation: those functions are suspects.
- **Hangs.** A test cut off by a time limit stops wherever the alarm landed; the whole
  enclosing loop is suspect.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable, Collection, Mapping
from typing import Protocol

from pytest_selfheal._source.patches import function_ref, iter_units, parsed_module
from pytest_selfheal.errors import SourceError
from pytest_selfheal.models import Failure, FunctionRef, Suspect

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: A caller whose call is taken only by failing tests ranks just above the callee.
DIVERGENCE_WEIGHT = 0.97
#: A function that produced a compared value, when nothing else ranks it higher.
PRODUCER_SCORE = 0.5

_WHERE_CALL = re.compile(r"where .+? = (?:<bound method )?([A-Za-z_][\w.]*)[ (]")
# pytest-timeout's message: "Timeout (>1.0s) from pytest-timeout."
_TIMEOUT = re.compile(r"^\s*(?:Failed: )?Timeout \(?>")
_CONTROL = (ast.If, ast.While, ast.For, ast.AsyncFor, ast.Try, ast.With)


class Measured(Protocol):
    """What the clues read of a :class:`~pytest_selfheal._heal.localize.Spectrum`."""

    @property
    def coverage(self) -> Mapping[str, Mapping[str, Collection[int]]]: ...
    @property
    def failing(self) -> frozenset[str]: ...
    @property
    def passing(self) -> frozenset[str]: ...
    @property
    def reached(self) -> Mapping[str, Collection[str]]: ...
    def running(self, function: FunctionRef) -> frozenset[str]: ...
    def function_ochiai(self, function: FunctionRef) -> float: ...


def is_timeout(failure: Failure) -> bool:
    """Whether ``failure`` is a test cut off by pytest-timeout."""
    return _TIMEOUT.search(failure.message) is not None


def enclosing_loop(unit: FunctionNode, lineno: int) -> tuple[int, ...]:
    """Every line of the innermost loop of ``unit`` around ``lineno``; just ``lineno``
    when there is none."""
    best: ast.stmt | None = None
    for node in ast.walk(unit):
        if (isinstance(node, ast.While | ast.For | ast.AsyncFor)
                and node.lineno <= lineno <= (node.end_lineno or node.lineno)
                and (best is None or node.lineno >= best.lineno)):
            best = node
    if best is None:
        return (lineno,)
    return tuple(range(best.lineno, (best.end_lineno or best.lineno) + 1))


def divergent_callers(spectrum: Measured, read_source: Callable[[str], str]) -> list[Suspect]:
    """Functions passing tests run too, whose call into a function only failing tests
    enter was made on a line the failing tests ran."""
    ran = _failing_lines(spectrum)
    units = _units(ran, read_source)
    only_failing: dict[str, float] = {}
    shared: list[tuple[FunctionRef, FunctionNode]] = []
    for function, node in units:
        if not _spans(ran.get(function.path, ()), function):
            continue
        if spectrum.passing & spectrum.running(function):
            shared.append((function, node))
            continue
        score = spectrum.function_ochiai(function)
        for name in _called_as(function.qualname):
            only_failing[name] = max(only_failing.get(name, 0.0), score)
    found = []
    for function, node in shared:
        lines = ran.get(function.path, ())
        best, where = 0.0, set()
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and call.lineno in lines:
                score = only_failing.get(_callee(call), 0.0)
                if score > 0:
                    best = max(best, score)
                    where.update(_decisions(node, call.lineno))
        if best > 0:
            found.append(Suspect(function, round(best * DIVERGENCE_WEIGHT, 6), "branch",
                                 tuple(sorted(where))))
    return found


def producers(failure: Failure, spectrum: Measured,
              read_source: Callable[[str], str]) -> list[Suspect]:
    """Functions the failing tests ran that produced a value the assertion compares."""
    names = set(_WHERE_CALL.findall(failure.longrepr))
    names.update(_asserted_calls(failure.test_source))
    wanted = {name.rsplit(".", 1)[-1] for name in names}
    if not wanted:
        return []
    ran = _failing_lines(spectrum)
    # When the time box left only which functions the failing tests entered (no lines),
    # that is enough to know a producer ran.
    entered = {function for nodeid in spectrum.failing
               for function in spectrum.reached.get(nodeid, ())}
    paths = {*ran, *(function.split("::", 1)[0] for function in entered)}
    return [Suspect(function, PRODUCER_SCORE, "assertion")
            for function, _ in _units({path: ran.get(path, ()) for path in paths}, read_source)
            if function.qualname.rsplit(".", 1)[-1] in wanted
            and (_spans(ran.get(function.path, ()), function) or str(function) in entered)]


def _failing_lines(spectrum: Measured) -> dict[str, set[int]]:
    ran: dict[str, set[int]] = {}
    for nodeid in spectrum.failing:
        for path, lines in spectrum.coverage.get(nodeid, {}).items():
            ran.setdefault(path, set()).update(lines)
    return ran


def _units(ran: Mapping[str, Collection[int]],
           read_source: Callable[[str], str]) -> list[tuple[FunctionRef, FunctionNode]]:
    found: list[tuple[FunctionRef, FunctionNode]] = []
    for path in sorted(ran):
        try:
            tree = parsed_module(read_source(path), path)
        except (SourceError, OSError):
            continue
        found.extend((function_ref(path, qualname, node), node)
                     for qualname, node in iter_units(tree))
    return found


def _spans(lines: Collection[int], function: FunctionRef) -> bool:
    return any(function.lineno <= line <= function.end_lineno for line in lines)


def _called_as(qualname: str) -> list[str]:
    """The names a call to ``qualname`` is written with: ``Message.__init__`` is
    called as ``Message(...)``."""
    parts = qualname.split(".")
    if parts[-1] == "__init__" and len(parts) > 1:
        return [parts[-2]]
    return [parts[-1]]


def _callee(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def _decisions(unit: FunctionNode, lineno: int) -> set[int]:
    """``lineno`` and the header lines of the statements around it that decide whether
    it runs (``if``, ``while``, ``for``...)."""
    lines = {lineno}
    for node in ast.walk(unit):
        if isinstance(node, _CONTROL) and node.lineno < lineno <= (
                node.end_lineno or node.lineno):
            test = getattr(node, "test", None) or getattr(node, "iter", None)
            end = test.end_lineno if isinstance(test, ast.expr) else node.lineno
            lines.update(range(node.lineno, (end or node.lineno) + 1))
    return lines


def _asserted_calls(test_source: str) -> set[str]:
    """Names of the functions whose results the test's assertions compare, directly
    (``assert f(x) == y``) or through a variable (``result = f(x)``)."""
    try:
        tree = ast.parse(textwrap.dedent(test_source))
    except (SyntaxError, ValueError):
        return set()
    produced: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            calls = {_callee(c) for c in ast.walk(node.value) if isinstance(c, ast.Call)}
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        produced.setdefault(name.id, set()).update(calls)
    names: set[str] = set()
    for compared in _compared(tree):
        for inner in ast.walk(compared):
            if isinstance(inner, ast.Call):
                names.add(_callee(inner))
            elif isinstance(inner, ast.Name):
                names.update(produced.get(inner.id, ()))
    names.discard("")
    return {name for name in names if not _is_assertion(name)}


def _compared(tree: ast.AST) -> list[ast.expr]:
    """What the test's assertions compare: an ``assert``'s test, and the arguments of a
    call to an assertion helper (``self.assertEqual(a, b)`` in unittest-style suites,
    ``assert_allclose(a, b)``)."""
    compared: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            compared.append(node.test)
        elif isinstance(node, ast.Call) and _is_assertion(_callee(node)):
            compared.extend(node.args)
            compared.extend(keyword.value for keyword in node.keywords)
    return compared


def _is_assertion(name: str) -> bool:
    return name.lower().startswith("assert")
