"""Which functions each test enters, at no cost to the code it does not enter.

Finding the tests that can reach a suspect function is the first step of localization,
and it must cost little more than running those tests: tracing every call
(``sys.settrace``) or measuring line coverage makes call-heavy code several times slower.
So, in the child that runs the tests, every function of the measured modules gets a code
object with one extra first statement, which notes the function's entry; everything else
runs at full speed. Only children do this: their memory is their own.
"""

from __future__ import annotations

import ast
import builtins
import types
from collections.abc import Collection, Iterable

from pytest_selfheal._evaluate.spec import ReachSpec
from pytest_selfheal._source.patches import iter_units
from pytest_selfheal._source.reload import (
    code_objects,
    factory_code,
    find_modules,
    referrers,
    resolve_code,
)

#: The builtin each instrumented function calls with its own name: a builtin, so that no
#: module's namespace changes.
HOOK = "__selfheal_entered__"
#: How a run's note starts when a module's function entries could not be noted; the
#: module's path and why follow.
UNNOTED = "not measured which tests reach "


def unnoted_files(notes: Iterable[str], files: Collection[str]) -> set[str]:
    """Those of ``files`` whose function entries ``notes`` say were not noted."""
    return {path for path in files
            if any(note.startswith(f"{UNNOTED}{path} ") for note in notes)}


class EntryRecorder:
    """Instruments the modules of ``spec`` and collects the functions entered.

    Functions are named ``relpath::qualname``, as :class:`~pytest_selfheal.models.FunctionRef`
    prints them.
    """

    def __init__(self, spec: ReachSpec) -> None:
        self._entered: set[str] = set()
        setattr(builtins, HOOK, self._entered.add)
        #: Modules that could not be instrumented, and why.
        self.problems: list[str] = []
        modules = find_modules(spec.sources)
        swaps: dict[types.CodeType, types.CodeType] = {}
        for path, source in spec.sources.items():
            problem = _instrumented(modules.get(path), spec.relpaths[path], source, swaps)
            if problem:
                self.problems.append(problem)
        # One walk of the heap for every function of every module: each walk costs more
        # than running a fast test (in a networkx session, 48 ms; a walk per module took
        # 1.3 s of the 28 modules' instrumentation).
        for referrer in referrers(*swaps):
            if isinstance(referrer, types.FunctionType) and referrer.__code__ in swaps:
                replacement = swaps[referrer.__code__]
                if replacement.co_freevars == referrer.__code__.co_freevars:
                    referrer.__code__ = replacement

    def take(self) -> list[str]:
        """The functions entered since the last call, sorted."""
        entered = sorted(self._entered)
        self._entered.clear()
        return entered


def _noting_entry(source: str, relpath: str, filename: str) -> types.CodeType:
    tree = ast.parse(source, filename)
    for qualname, node in iter_units(tree):
        first = node.body[0]
        call = ast.Expr(ast.Call(ast.Name(HOOK, ast.Load()),
                                 [ast.Constant(f"{relpath}::{qualname}")], []))
        # On the line of the first statement: line numbers of the rest stay as they are.
        node.body.insert(0, ast.copy_location(call, first))
        ast.fix_missing_locations(node)
    return compile(tree, filename, "exec", dont_inherit=True)


def _instrumented(module: types.ModuleType | None, relpath: str, source: str,
                  swaps: dict[types.CodeType, types.CodeType]) -> str:
    """Add to ``swaps`` the code of each function of ``module`` and the code that notes
    its entry to put in its place; what went wrong, or ``""``."""
    if module is None:
        return f"{relpath} is not imported"
    try:
        tree = ast.parse(source, relpath)
    except (SyntaxError, ValueError) as exc:
        return f"{relpath} does not parse: {exc}"
    old: dict[types.CodeType, str] = {}
    for qualname, _ in iter_units(tree):
        code = resolve_code(module, qualname)
        if code is None and "<locals>" in qualname:
            code = factory_code(module, qualname)
        if code is not None:
            old[code] = qualname
    if not old:
        return ""
    filename = next(iter(old)).co_filename
    try:
        new = {code.co_qualname: code
               for code in code_objects(_noting_entry(source, relpath, filename))}
    except (SyntaxError, ValueError) as exc:
        return f"{relpath} does not compile: {exc}"
    swaps.update((code, new[qualname]) for code, qualname in old.items() if qualname in new)
    return ""
