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

from pytest_selfheal._evaluate.spec import ReachSpec
from pytest_selfheal._source.patches import iter_units
from pytest_selfheal._source.reload import (
    code_objects,
    factory_code,
    find_module,
    referrers,
    resolve_code,
)

#: The builtin each instrumented function calls with its own name: a builtin, so that no
#: module's namespace changes.
HOOK = "__selfheal_entered__"


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
        for path, source in spec.sources.items():
            problem = _instrument(path, spec.relpaths[path], source)
            if problem:
                self.problems.append(problem)

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


def _instrument(path: str, relpath: str, source: str) -> str:
    module = find_module(path)
    if module is None:
        return f"{relpath} is not imported"
    try:
        tree = ast.parse(source, path)
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
    # One walk of the heap for every function of the module: each walk costs as much as
    # running a fast test.
    for referrer in referrers(*old):
        if isinstance(referrer, types.FunctionType) and referrer.__code__ in old:
            replacement = new.get(old[referrer.__code__])
            if replacement is not None and replacement.co_freevars == referrer.__code__.co_freevars:
                referrer.__code__ = replacement
    return ""
