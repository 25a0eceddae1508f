"""Statement and condition operators: what a one-token swap cannot repair.

A missing guard (``if node is None: return False``), a clause missing from a
condition (``node is not None and ...``), a statement too many (a stray
``nums.sort()``) or one missing that the module already has elsewhere (GenProg's
*fix ingredients*), ``break`` for ``continue``, the wrong value returned, and a running
best that overwrites instead of keeping the best (``best[i] = max(best[i], ...)``).

Every clause, guard and ingredient is built from names the function can see at that
point (parameters, locals bound earlier, module names, builtins), so no mutant fails
only with a ``NameError``.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from pytest_selfheal.engines._offline.operators import Edit, Unit, register
from pytest_selfheal.engines._offline.scope import FIXED_NAMES, value_kinds

_BUILTINS = frozenset(dir(builtins))
# A module full of statements must not drown the single edits that are likelier
# fixes (nor cost seconds of re-parsing): at most this many ingredients, and at most
# this many insertions of them into one function.
_MAX_INGREDIENTS = 40
_MAX_INSERTIONS = 150
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


@register("jump-swap")
def jump_swap(unit: Unit) -> Iterator[Edit]:
    """``break`` <-> ``continue``."""
    for node in unit.nodes:
        if isinstance(node, ast.Break):
            yield Edit(node, ast.Continue())
        elif isinstance(node, ast.Continue):
            yield Edit(node, ast.Break())


@register("condition-clause")
def condition_clause(unit: Unit) -> Iterator[Edit]:
    """Narrow a condition with a guard clause first (``x and c``, ``x is not None and c``)
    or widen it (``not x or c``), for each variable ``x`` the condition reads."""
    for node in unit.nodes:
        if not isinstance(node, ast.If | ast.While | ast.IfExp):
            continue
        test = node.test
        names: list[str] = []
        for inner in ast.walk(test):
            if (
                isinstance(inner, ast.Name)
                and isinstance(inner.ctx, ast.Load)
                and inner.id not in names
                and inner.id not in _BUILTINS
                and inner.id not in FIXED_NAMES
                and not _is_called(test, inner)
            ):
                names.append(inner.id)
        kinds = value_kinds(unit.node)
        for name in names:
            narrowing: list[ast.expr] = [_name(name)]
            if name not in kinds:
                # A name plainly holding text, a number or a list is never None.
                narrowing.append(_compare(name, ast.IsNot()))
            for clause in narrowing:
                yield Edit(test, ast.BoolOp(op=ast.And(), values=[clause, test]))
            widening = ast.UnaryOp(op=ast.Not(), operand=_name(name))
            yield Edit(test, ast.BoolOp(op=ast.Or(), values=[widening, test]))


@register("return-swap")
def return_swap(unit: Unit) -> Iterator[Edit]:
    """Return another value: another expression this function returns, or, in place
    of ``True``/``False``, a variable tested for truth (``not stack``, ``stack``)."""
    returns = [node for node in unit.nodes if isinstance(node, ast.Return)]
    values = [node.value for node in returns if node.value is not None]
    for node in returns:
        if node.value is None:
            continue
        seen = {ast.dump(node.value)}
        alternatives: list[ast.expr] = []
        for other in values:
            if ast.dump(other) not in seen and not _is_bool(other):
                seen.add(ast.dump(other))
                alternatives.append(other)
        if _is_bool(node.value):
            for name in _locals_before(unit, node.lineno):
                alternatives.append(ast.UnaryOp(op=ast.Not(), operand=_name(name)))
                alternatives.append(_name(name))
        for alternative in alternatives:
            yield Edit(node, ast.Return(value=alternative))


@register("keep-best")
def keep_best(unit: Unit) -> Iterator[Edit]:
    """``best[i] = e`` -> ``best[i] = max(best[i], e)`` (and ``min``) inside a loop, where
    a running best is overwritten instead of improved."""
    for loop in unit.nodes:
        if not isinstance(loop, _LOOPS):
            continue
        for node in ast.walk(loop):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Subscript | ast.Name)
                and not _is_call_of(node.value, ("max", "min"))
            ):
                target = node.targets[0]
                read = _as_load(target)
                for function in ("max", "min"):
                    call = ast.Call(func=_name(function), args=[read, node.value], keywords=[])
                    new = ast.Assign(targets=node.targets, value=call, type_comment=None)
                    # ast.unparse of an Assign reads its line number (Python 3.11).
                    yield Edit(node, ast.copy_location(new, node))


@register("delete-statement")
def delete_statement(unit: Unit) -> Iterator[Edit]:
    """Delete one simple statement (never the only one of its block, nor the first
    binding of a variable, whose later reads would only raise ``NameError``)."""
    for statement, block, _ in unit.statements:
        if isinstance(statement, ast.Assign) and not {
            target.id for target in statement.targets if isinstance(target, ast.Name)
        } <= set(_locals_before(unit, statement.lineno)):
            continue
        if len(block) > 1 and isinstance(statement, ast.Expr | ast.Assign | ast.AugAssign):
            yield Edit(statement, statement, f"line {statement.lineno}: delete "
                       f"`{_short(statement)}`", kind="delete")


@register("insert-guard")
def insert_guard(unit: Unit) -> Iterator[Edit]:
    """``if not p: return v`` or ``if p is None: return v`` first thing in the body, for
    each parameter ``p``, with ``v`` a constant this function returns (or the opposite
    of a returned bool)."""
    entries = [entry for entry in unit.statements if entry[1] is unit.node.body]
    if not entries:
        return
    first = entries[0][0]
    values = _guard_values(unit)
    for argument in [*unit.node.args.posonlyargs, *unit.node.args.args]:
        if argument.arg in FIXED_NAMES:
            continue
        for test in (ast.UnaryOp(op=ast.Not(), operand=_name(argument.arg)),
                     _compare(argument.arg, ast.Is())):
            for value in values:
                guard = ast.If(test=test, body=[ast.Return(value=value)], orelse=[])
                yield Edit(first, guard, f"line {first.lineno}: insert "
                           f"`if {ast.unparse(test)}: return {ast.unparse(value)}`",
                           kind="insert")


@register("copy-statement")
def copy_statement(unit: Unit) -> Iterator[Edit]:
    """Insert a one-line statement found elsewhere in the module (a fix ingredient)
    above a statement of the body, when every name it reads is visible there."""
    ingredients = _ingredients(unit)
    if not ingredients:
        return
    parameters = {a.arg for a in ast.walk(unit.node.args) if isinstance(a, ast.arg)}
    module_names = _module_names(unit.module)
    count = 0
    for statement, block, index in unit.statements:
        neighbours = {ast.dump(s) for s in block[max(index - 1, 0):index + 1]}
        visible = parameters | module_names | _BUILTINS | set(
            _locals_before(unit, statement.lineno))
        for ingredient in ingredients:
            if ast.dump(ingredient) in neighbours or ingredient is statement:
                continue
            if not _reads(ingredient) <= visible:
                continue
            count += 1
            if count > _MAX_INSERTIONS:
                return
            yield Edit(statement, ingredient, f"line {statement.lineno}: insert "
                       f"`{_short(ingredient)}` (copied from line {ingredient.lineno})",
                       kind="insert")


def _ingredients(unit: Unit) -> list[ast.stmt]:
    """One-line calls and assignments of the module, the function's own first."""
    sources: list[ast.AST] = [unit.node]
    if unit.module is not None:
        sources.append(unit.module)
    found: list[ast.stmt] = []
    seen: set[str] = set()
    for source in sources:
        for node in ast.walk(source):
            if (
                (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
                or isinstance(node, ast.AugAssign)
            ) and node.lineno == node.end_lineno:
                key = ast.dump(node)
                if key not in seen:
                    seen.add(key)
                    found.append(node)
    return found[:_MAX_INGREDIENTS]


def _guard_values(unit: Unit) -> list[ast.expr]:
    values: list[ast.expr] = []
    seen: set[str] = set()

    def add(value: ast.expr) -> None:
        if ast.dump(value) not in seen:
            seen.add(ast.dump(value))
            values.append(value)

    for node in unit.nodes:
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Constant) or (
                isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant)
            ):
                add(value)
                if _is_bool(value):
                    assert isinstance(value, ast.Constant)  # bools are plain constants
                    add(ast.Constant(value=not value.value))
            elif isinstance(value, ast.List | ast.Tuple | ast.Dict) and not ast.unparse(
                value
            ).strip("[](){}"):
                add(value)
    return values


def _locals_before(unit: Unit, line: int) -> list[str]:
    """Parameters and variables assigned on earlier lines, in order of first binding."""
    names = [a.arg for a in [*unit.node.args.posonlyargs, *unit.node.args.args]
             if a.arg not in FIXED_NAMES]
    for node in unit.nodes:
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Store)
            and node.lineno < line
            and node.id not in names
        ):
            names.append(node.id)
    return names


def _module_names(module: ast.Module | None) -> set[str]:
    names: set[str] = set()
    if module is None:
        return names
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            names.update(n.id for n in ast.walk(node)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return names


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx,
                                                                              ast.Load)}


def _is_called(root: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(root))


def _is_call_of(node: ast.expr, names: tuple[str, ...]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
        node.func.id in names)


def _is_bool(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, bool)


def _as_load(target: ast.Subscript | ast.Name) -> ast.expr:
    if isinstance(target, ast.Name):
        return _name(target.id)
    return ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())


def _name(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _compare(name: str, op: ast.cmpop) -> ast.Compare:
    return ast.Compare(left=_name(name), ops=[op], comparators=[ast.Constant(value=None)])


def _short(statement: ast.AST, width: int = 50) -> str:
    text = ast.unparse(statement).splitlines()[0]
    return text if len(text) <= width else text[: width - 3] + "..."
