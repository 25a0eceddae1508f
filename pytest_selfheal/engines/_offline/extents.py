"""Operators on how far code goes: what a loop walks over, when it stops, where a range ends.

Three kinds of bug that no one-token swap repairs:

- a missing slice: a loop, a comprehension, a recursive call or an iterating builtin
  gets the whole sequence where it needed its tail (``for x in xs`` for
  ``for x in xs[1:]``, ``f(xs)`` for ``f(xs[1:])``, ``zip(xs, xs)`` for
  ``zip(xs, xs[1:])``), or a slice lacks one of its bounds (``xs[1:]`` for ``xs[1:-1]``);
- a loop with no condition: ``while True`` that should stop when the collection the
  body consumes is empty (``while queue``), the condition built from what the function
  already pops, indexes or tests;
- a comparison with a literal wrong in two places at once: the operator and the
  bound (``n == 0`` for ``n <= 1``).

Every name used is one the function can see at that point.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_selfheal.engines._offline.nodes import shifted
from pytest_selfheal.engines._offline.operators import Edit, Unit, register
from pytest_selfheal.engines._offline.scope import FIXED_NAMES, value_kinds

# Builtins whose argument is walked item by item: slicing it is slicing the iteration.
_ITERATING = frozenset({"zip", "enumerate", "sum", "min", "max", "sorted", "list", "tuple",
                        "set", "any", "all", "reversed", "dict", "frozenset"})
# Kinds of value that a slice cannot apply to.
_UNSLICEABLE = frozenset({"number", "dict", "set"})
# Methods and functions that take an item out of a collection: the loop that calls them
# must stop when it is empty.
_TAKERS = frozenset({"pop", "popleft", "popitem", "get_nowait"})
_HEAP_TAKERS = frozenset({"heappop", "heappushpop", "heapreplace"})
# At most this many integer variables become slice bounds (`xs[k:]`) of one sequence.
_MAX_BOUNDS = 3
_OWN_SCOPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda,
               ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ORDERINGS: tuple[type[ast.cmpop], ...] = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


@register("add-slice")
def add_slice(unit: Unit) -> Iterator[Edit]:
    """``xs`` -> ``xs[1:]``, ``xs[:-1]`` or ``xs[k:]`` (``k`` an integer variable in
    scope) where ``xs`` is walked: the iterable of a ``for`` or a comprehension, an
    argument of a recursive call or of an iterating builtin (``zip``, ``sum``...); and
    ``xs[a:]`` -> ``xs[a:-1]``, ``xs[:b]`` -> ``xs[1:b]``."""
    kinds = value_kinds(unit.node)
    integers = _integer_names(unit, kinds)
    visible = unit.swap_candidates
    for node in unit.nodes:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            yield from _complete_slice(node)
            continue
        for target in _walked(node, unit.node.name):
            if isinstance(target, ast.Name) and (
                kinds.get(target.id) in _UNSLICEABLE or target.id in integers
            ):
                continue
            bounds: list[ast.expr] = [ast.Constant(value=1)]
            if isinstance(target, ast.Name):
                seen = visible.get(id(target), ())
                bounds += [_load(name) for name in integers if name in seen][:_MAX_BOUNDS]
            for lower in bounds:
                yield Edit(target, _sliced(target, lower, None))
            yield Edit(target, _sliced(target, None, ast.Constant(value=-1)))


@register("loop-condition")
def loop_condition(unit: Unit) -> Iterator[Edit]:
    """``while True`` -> ``while xs`` for each collection the function takes items out
    of or tests (``xs.pop()``, ``heappop(xs)``, ``xs[0]``, ``if xs``, ``len(xs)``),
    ``while xs and ys`` for two of them, and ``while n`` / ``while n > 0`` for a number
    the loop counts down (``n -= 1``, ``n //= 10``)."""
    for node in unit.nodes:
        if not (isinstance(node, ast.While) and isinstance(node.test, ast.Constant)
                and node.test.value):
            continue
        bound = _bound_before(unit, node.lineno)
        collections = [name for name in _consumed(unit.node) if _root(name) in bound]
        for text in collections:
            yield Edit(node.test, _expression(text))
        for index, first in enumerate(collections):
            for second in collections[index + 1:]:
                yield Edit(node.test, ast.BoolOp(op=ast.And(), values=[
                    _expression(first), _expression(second)]))
        for name in _counted_down(node):
            if name in bound:
                yield Edit(node.test, _load(name))
                yield Edit(node.test, ast.Compare(left=_load(name), ops=[ast.Gt()],
                                                  comparators=[ast.Constant(value=0)]))


@register("compare-shift")
def compare_shift(unit: Unit) -> Iterator[Edit]:
    """Change the operator of a comparison with an integer literal and move the literal
    by one, together (``n == 0`` -> ``n <= 1``, ``i > 0`` -> ``i >= 2``)."""
    for node in unit.nodes:
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1
                and isinstance(node.ops[0], _ORDERINGS)):
            continue
        right = node.comparators[0]
        literal_right = _is_int(right)
        if not literal_right and not _is_int(node.left):
            continue
        for op in _ORDERINGS:
            if isinstance(node.ops[0], op):
                continue
            for delta in (1, -1):
                if literal_right:
                    yield Edit(node, ast.Compare(left=node.left, ops=[op()],
                                                 comparators=[shifted(right, delta)]))
                else:
                    yield Edit(node, ast.Compare(left=shifted(node.left, delta), ops=[op()],
                                                 comparators=node.comparators))


def _walked(node: ast.AST, own_name: str) -> list[ast.expr]:
    """The sequences ``node`` walks over, when it is a loop, a comprehension or a call."""
    found: list[ast.expr] = []
    if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
        found.append(node.iter)
    elif isinstance(node, ast.Call):
        function = node.func
        recursive = (isinstance(function, ast.Name) and function.id == own_name) or (
            isinstance(function, ast.Attribute) and function.attr == own_name
            and isinstance(function.value, ast.Name) and function.value.id in FIXED_NAMES)
        if recursive or (isinstance(function, ast.Name) and function.id in _ITERATING):
            found.extend(node.args)
    return [target for target in found if _is_sequence_like(target)]


def _is_sequence_like(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id not in FIXED_NAMES
    if isinstance(node, ast.Attribute):
        return True
    return isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice)


def _complete_slice(node: ast.Subscript) -> Iterator[Edit]:
    part = node.slice
    assert isinstance(part, ast.Slice)  # checked by the caller
    if part.step is not None:
        return
    if part.lower is not None and part.upper is None:
        yield Edit(node, _sliced(node.value, part.lower, ast.Constant(value=-1)))
    elif part.upper is not None and part.lower is None:
        yield Edit(node, _sliced(node.value, ast.Constant(value=1), part.upper))


def _sliced(value: ast.expr, lower: ast.expr | None, upper: ast.expr | None) -> ast.Subscript:
    if isinstance(upper, ast.Constant) and upper.value == -1:
        upper = ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=1))
    return ast.Subscript(value=value, slice=ast.Slice(lower=lower, upper=upper), ctx=ast.Load())


def _integer_names(unit: Unit, kinds: dict[str, str]) -> list[str]:
    """Parameters and locals that hold integers: known numbers, parameters with an
    integer default or never read, and names used as an index, a slice bound, a
    ``range`` argument or with an integer literal in arithmetic."""
    names = [name for name, kind in kinds.items() if kind == "number"]
    arguments = unit.node.args
    defaults = dict(zip(reversed([*arguments.posonlyargs, *arguments.args]),
                        reversed(arguments.defaults), strict=False))
    read = {node.id for node in ast.walk(unit.node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    for argument in [*arguments.posonlyargs, *arguments.args]:
        # A parameter the body never reads is likely what the bug left out; one with an
        # integer default is an integer.
        default = defaults.get(argument)
        if argument.arg not in read or (default is not None and _is_int(default)):
            names.append(argument.arg)
    for node in ast.walk(unit.node):
        used: list[ast.expr | None] = []
        if isinstance(node, ast.Subscript):
            part = node.slice
            used += [part.lower, part.upper] if isinstance(part, ast.Slice) else [part]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                node.func.id == "range"):
            used += node.args
        elif isinstance(node, ast.BinOp) and (_is_int(node.left) or _is_int(node.right)):
            used += [node.left, node.right]
        names += [n.id for n in used if isinstance(n, ast.Name) and n.id not in names]
    return [name for name in names if name not in FIXED_NAMES]


def _is_int(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def _bound_before(unit: Unit, line: int) -> set[str]:
    """Parameters, and names stored on lines before ``line`` (``self`` included)."""
    arguments = unit.node.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.lineno < line:
            names.add(node.id)
        for child in ast.iter_child_nodes(node):
            # Comprehension targets and nested functions' names are not the function's.
            if not isinstance(child, _OWN_SCOPES):
                visit(child)

    for statement in unit.node.body:
        visit(statement)
    return names


def _consumed(function: ast.AST) -> list[str]:
    """Text of the collections (``queue``, ``self.stack``) ``function`` takes items out
    of or tests for emptiness, in order of first use."""
    found: list[str] = []

    def add(node: ast.expr) -> None:
        if isinstance(node, ast.Name | ast.Attribute) and _root(ast.unparse(node)):
            text = ast.unparse(node)
            if text not in found and text not in FIXED_NAMES:
                found.append(text)

    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            function_node = node.func
            if isinstance(function_node, ast.Attribute) and function_node.attr in _TAKERS:
                add(function_node.value)
            elif node.args and _called_name(function_node) in _HEAP_TAKERS | {"len"}:
                add(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_int(node.slice):
            add(node.value)
        elif isinstance(node, ast.If | ast.While | ast.IfExp):
            test = node.test
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                test = test.operand
            for value in test.values if isinstance(test, ast.BoolOp) else [test]:
                add(value)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                add(value)
    return found


def _called_name(function: ast.expr) -> str:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def _counted_down(loop: ast.While) -> list[str]:
    names: list[str] = []
    for node in ast.walk(loop):
        if (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
                and isinstance(node.op, ast.Sub | ast.FloorDiv | ast.RShift)
                and node.target.id not in names):
            names.append(node.target.id)
    return names


def _root(text: str) -> str:
    """The variable an expression's text starts from: ``self`` for ``self.queue``."""
    return text.split(".", 1)[0]


def _expression(text: str) -> ast.expr:
    value = ast.parse(text, mode="eval").body
    for node in ast.walk(value):
        if hasattr(node, "ctx"):
            node.ctx = ast.Load()
    return value


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())
