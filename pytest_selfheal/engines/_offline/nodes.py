"""What the mutation operators ask of syntax trees: which nodes they may change, and
small predicates and builders over expressions."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TypeGuard

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
#: The arithmetic operators, which arith-swap trades for one another.
ARITHMETIC: tuple[type[ast.operator], ...] = (
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
)


def mutable_nodes(unit: FunctionNode) -> Iterator[ast.AST]:
    """Yield the nodes of ``unit``'s body that operators may change, in source order."""
    for statement in without_docstring(unit.body):
        yield from _walk(statement)


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    for field, value in ast.iter_fields(node):
        if _is_off_limits(node, field):
            continue
        children = value if isinstance(value, list) else [value]
        if field == "body" and isinstance(node, _DEFINITIONS):
            children = without_docstring(children)
        for child in children:
            if isinstance(child, ast.AST):
                yield from _walk(child)


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _is_off_limits(node: ast.AST, field: str) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return field in ("args", "returns", "decorator_list", "type_params")
    if isinstance(node, ast.ClassDef):
        return field in ("decorator_list", "type_params")
    if isinstance(node, ast.Lambda):
        return field == "args"
    if isinstance(node, ast.AnnAssign):
        return field == "annotation"
    return False


def without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return body[1:]
    return body


def int_value(node: ast.AST) -> int | None:
    """The value of an integer literal (``3``, ``-3``), or ``None``; bools are not ints."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = int_value(node.operand)
        return None if inner is None or not isinstance(node.operand, ast.Constant) else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def int_literal(value: int) -> ast.expr:
    """The node the parser makes of ``value``'s literal: ``-1`` is a minus and a ``1``."""
    if value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def shifted(node: ast.expr, delta: int) -> ast.expr:
    """``node + delta``, folded into a literal or an existing ``+ k``/``- k``."""
    value = int_value(node)
    if value is not None:
        return int_literal(value + delta)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        step = int_value(node.right)
        if step is not None and step >= 0 and isinstance(node.right, ast.Constant):
            total = (step if isinstance(node.op, ast.Add) else -step) + delta
            if total == 0:
                return node.left
            op: ast.operator = ast.Add() if total > 0 else ast.Sub()
            return ast.BinOp(left=node.left, op=op, right=ast.Constant(value=abs(total)))
    op = ast.Add() if delta > 0 else ast.Sub()
    return ast.BinOp(left=node, op=op, right=ast.Constant(value=abs(delta)))


def is_shiftable(node: ast.expr) -> bool:
    """An index, bound or ``range`` argument that +1/-1 can apply to.

    Integer literals are left to the literal rule, which makes the same change.
    """
    if isinstance(node, ast.Starred | ast.Slice | ast.JoinedStr):
        return False
    if isinstance(node, ast.Constant):
        return False
    return int_value(node) is None


def is_range_call(node: ast.AST) -> TypeGuard[ast.Call]:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
    )


def is_sequence(node: ast.expr) -> bool:
    """A str, bytes, list or tuple literal, an f-string, or arithmetic on one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bytes)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
        return is_sequence(node.left) or is_sequence(node.right)
    return isinstance(node, ast.JoinedStr | ast.List | ast.Tuple)


def is_singleton(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool))


def is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def has_exact_opposite(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot | ast.In | ast.NotIn)
    )


def is_not(node: ast.expr) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
