"""Mutation operators: the small single edits the offline engine tries on a function.

An operator is a generator registered in :data:`OPERATORS` under a short stable id.
It receives a :class:`Unit` (the function's AST plus what operators need to know about
it) and yields :class:`Edit` records, *this node becomes that node*; it never touches
text, which is :mod:`pytest_selfheal.engines._offline.rewrite`'s job. Adding an operator is
writing one generator and decorating it with :func:`register`; the registration
order is the order mutants of one node are tried in.

Only :attr:`Unit.nodes` may be mutated: the function body, without its docstring,
its signature (parameters, defaults, annotations), decorators, or annotations of any
nested definition. Nested functions and lambdas are body code and are mutated.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TypeGuard

from pytest_selfheal.engines._offline.nodes import (
    ARITHMETIC,
    FunctionNode,
    has_exact_opposite,
    int_value,
    is_none,
    is_not,
    is_range_call,
    is_sequence,
    is_shiftable,
    is_singleton,
    is_text,
    mutable_nodes,
    shifted,
)
from pytest_selfheal.engines._offline.scope import swap_candidates, value_kinds

Replaceable = ast.expr | ast.stmt


@dataclass(frozen=True)
class Edit:
    """One proposed change: replace ``node`` by ``replacement``.

    :param node: an expression or statement of the unit's body.
    :param replacement: the node to put in its place; it may (and should) reuse the
        original child nodes, so their text is kept verbatim.
    :param description: what to tell a human, when the default
        ``line N: `old` -> `new``` would not say it well.
    :param kind: ``replace``; ``delete`` (the statement ``node`` goes, ``replacement``
        is ignored); or ``insert`` (statement ``replacement`` goes in before
        statement ``node``).
    """

    node: Replaceable
    replacement: Replaceable
    description: str | None = None
    kind: str = "replace"


class Unit:
    """A function to mutate, with the facts operators share.

    :param node: the function (or method) definition.
    :param module: the module it is in, where operators find ingredients; without it
        they only look inside the function.
    """

    def __init__(self, node: FunctionNode, module: ast.Module | None = None) -> None:
        self.node = node
        self.module = module
        self.nodes: tuple[ast.AST, ...] = tuple(mutable_nodes(node))

    @cached_property
    def scope_nodes(self) -> tuple[ast.AST, ...]:
        """Every node of the class the unit is a method of, or of the unit itself.

        Where a method learns which attributes its object has (``self.cols``).
        """
        if self.module is not None:
            for klass in ast.walk(self.module):
                if isinstance(klass, ast.ClassDef) and any(
                    statement is self.node for statement in klass.body
                ):
                    return tuple(ast.walk(klass))
        return tuple(ast.walk(self.node))

    @cached_property
    def statements(self) -> tuple[tuple[ast.stmt, list[ast.stmt], int], ...]:
        """Each statement of the body with the list it sits in and its index there."""
        found: list[tuple[ast.stmt, list[ast.stmt], int]] = []
        for node in self.nodes:
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if node is self.node or not isinstance(block, list):
                    continue
                found.extend((statement, block, index) for index, statement in enumerate(block))
        mutable = {id(node) for node in self.nodes}
        top = self.node.body
        found.extend((statement, top, index) for index, statement in enumerate(top)
                     if id(statement) in mutable)
        found.sort(key=lambda entry: (entry[0].lineno, entry[0].col_offset))
        return tuple(found)

    @cached_property
    def swap_candidates(self) -> Mapping[int, tuple[str, ...]]:
        """``id()`` of each variable read to the variables it may be swapped with."""
        return swap_candidates(self.node)

    @cached_property
    def signed_literals(self) -> frozenset[int]:
        """``id()`` of the constants that are the operand of a unary minus (``-1``)."""
        return frozenset(
            id(node.operand)
            for node in self.nodes
            if isinstance(node, ast.UnaryOp) and int_value(node) is not None
        )

    @cached_property
    def steps(self) -> frozenset[int]:
        """``id()`` of the positive integer literals added or subtracted (the ``1`` of
        ``n + 1``): their shift is the sum's, which :func:`shifted` folds."""
        return frozenset(id(node.right) for node in self.nodes if is_step(node))


def is_step(node: ast.AST) -> TypeGuard[ast.BinOp]:
    """``x + k`` or ``x - k``, ``k`` a positive integer literal."""
    return (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)
            and isinstance(node.right, ast.Constant) and (int_value(node.right) or 0) > 0)


Operator = Callable[[Unit], Iterator[Edit]]

#: Operator id to operator, in the order their mutants are tried on one node.
OPERATORS: dict[str, Operator] = {}


def register(name: str) -> Callable[[Operator], Operator]:
    """Register the decorated generator as operator ``name`` (a short stable id).

    :raises ValueError: when ``name`` is already taken.
    """

    def decorate(operator: Operator) -> Operator:
        if name in OPERATORS:
            raise ValueError(f"mutation operator {name!r} is already registered")
        OPERATORS[name] = operator
        return operator

    return decorate


_ORDERINGS: tuple[type[ast.cmpop], ...] = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_STRICTNESS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}
_OPPOSITES: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
# Equality and identity agree on the singletons, and code gets them wrong both ways.
_IDENTITIES: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.Is,
    ast.Is: ast.Eq,
    ast.NotEq: ast.IsNot,
    ast.IsNot: ast.NotEq,
}


@register("compare-swap")
def compare_swap(unit: Unit) -> Iterator[Edit]:
    """``<`` ``<=`` ``>`` ``>=`` ``==`` ``!=`` among themselves, ``is``/``is not``,
    ``in``/``not in``, and ``==``/``is`` (``!=``/``is not``) against ``None``,
    ``True`` or ``False``. Each operator of a chain ``a < b < c`` separately, and
    there only ``<`` <-> ``<=`` and ``>`` <-> ``>=``: a chain checks a range."""
    for node in unit.nodes:
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            pair = operands[index : index + 2]
            alternatives = _compare_alternatives(op, pair)
            if len(node.ops) > 1 and type(op) in _STRICTNESS:
                # A chain is a range check (`0 <= c < cols`): a bound may be off by its
                # strictness, but `0 <= c != cols` or `0 > c < cols` checks no range.
                alternatives = [_STRICTNESS[type(op)]]
            for new in alternatives:
                ops = [*node.ops[:index], new(), *node.ops[index + 1 :]]
                yield Edit(node, ast.Compare(left=node.left, ops=ops, comparators=node.comparators))


def _compare_alternatives(op: ast.cmpop, operands: list[ast.expr]) -> list[type[ast.cmpop]]:
    kind = type(op)
    singleton = any(is_singleton(operand) for operand in operands)
    alternatives: list[type[ast.cmpop]] = []
    if kind in _ORDERINGS:
        # `x < None` can only raise TypeError, and `part < ".."` compares text by code
        # points, which is never what `part == ".."` meant: only (in)equality there.
        equality_only = any(is_none(operand) or is_text(operand) for operand in operands)
        # The bound off by its strictness (`>` for `>=`) first: of equally likely
        # edits the first tried wins, and it is the commonest comparison bug, while
        # `<=` for `>` would pass any test that only checks the boundary.
        nearest = [_STRICTNESS[kind]] if kind in _STRICTNESS else []
        alternatives.extend(
            other
            for other in dict.fromkeys([*nearest, *_ORDERINGS])
            if other is not kind and not (equality_only and other not in (ast.Eq, ast.NotEq))
        )
    if kind in _OPPOSITES:
        alternatives.append(_OPPOSITES[kind])
    if singleton and kind in _IDENTITIES:
        alternatives.append(_IDENTITIES[kind])
    return alternatives


@register("arith-swap")
def arith_swap(unit: Unit) -> Iterator[Edit]:
    """``+ - * / // % **`` among themselves, in expressions and augmented assignments.

    Skipped when an operand is a string, bytes, list or tuple literal or an f-string,
    or an arithmetic expression on one (``"Cart: " + name``): ``"-" * width`` and
    ``"%d" % n + text`` only turn into type errors.
    """
    for node in unit.nodes:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
            if is_sequence(node.left) or is_sequence(node.right):
                continue
            for new in ARITHMETIC:
                if not isinstance(node.op, new):
                    yield Edit(node, ast.BinOp(left=node.left, op=new(), right=node.right))
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ARITHMETIC):
            if is_sequence(node.value):
                continue
            for new in ARITHMETIC:
                if not isinstance(node.op, new):
                    yield Edit(node, ast.AugAssign(target=node.target, op=new(), value=node.value))


@register("bool-swap")
def bool_swap(unit: Unit) -> Iterator[Edit]:
    """``and`` <-> ``or``."""
    for node in unit.nodes:
        if isinstance(node, ast.BoolOp):
            new = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            yield Edit(node, ast.BoolOp(op=new, values=node.values))


@register("negate")
def negate(unit: Unit) -> Iterator[Edit]:
    """Put ``not`` around the test of an ``if``, ``elif``, ``while``, conditional
    expression or comprehension filter, and around each operand of ``and``/``or``.

    Not around what already is a ``not`` (``drop-not`` covers it), a constant, or a
    single ``==``, ``!=``, ``is``, ``is not``, ``in``, ``not in`` comparison, whose
    negation ``compare-swap`` already writes (``a != b`` for ``not a == b``).
    """
    for node in unit.nodes:
        tests: list[ast.expr] = []
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            tests.append(node.test)
        elif isinstance(node, ast.comprehension):
            tests.extend(node.ifs)
        elif isinstance(node, ast.BoolOp):
            tests.extend(node.values)
        for test in tests:
            if (
                not is_not(test)
                and not has_exact_opposite(test)
                and not isinstance(test, ast.Constant)
            ):
                yield Edit(test, ast.UnaryOp(op=ast.Not(), operand=test))


@register("drop-not")
def drop_not(unit: Unit) -> Iterator[Edit]:
    """``not x`` -> ``x``."""
    for node in unit.nodes:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield Edit(node, node.operand)


@register("off-by-one")
def off_by_one(unit: Unit) -> Iterator[Edit]:
    """Add and subtract 1: integer literals, indexes ``x[i]``, the existing bounds of
    slices ``x[a:b]``, and the arguments of ``range(...)``.

    ``n - 1`` plus one is written ``n``, not ``n - 1 + 1``, and ``n + 1`` minus one
    ``n``, not ``n + 0``: a reviewer reads the fix as it would have been written.
    """
    for node in unit.nodes:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Constant | ast.UnaryOp) and int_value(node) is not None:
            if id(node) not in unit.signed_literals and id(node) not in unit.steps:
                targets.append(node)
        elif is_step(node):
            targets.append(node)
        elif isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            indexes = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            targets.extend(index for index in indexes if is_shiftable(index))
        elif isinstance(node, ast.Slice):
            targets.extend(
                bound
                for bound in (node.lower, node.upper)
                if bound is not None and is_shiftable(bound)
            )
        elif is_range_call(node):
            targets.extend(argument for argument in node.args if is_shiftable(argument))
        for target in targets:
            yield Edit(target, shifted(target, 1))
            yield Edit(target, shifted(target, -1))


@register("name-swap")
def name_swap(unit: Unit) -> Iterator[Edit]:
    """Read another parameter or local variable instead of this one.

    Only variables surely bound there (see :mod:`pytest_selfheal.engines._offline.scope`);
    never ``self`` or ``cls``, never a write; a called name only becomes another
    known callable, and a value another value; never a variable known to hold
    another kind of value (:func:`~pytest_selfheal.engines._offline.scope.value_kinds`).
    """
    candidates = unit.swap_candidates
    # Type-aware where it is free: a number (`max_length: int`, `n = len(xs)`) is never
    # swapped for text (`slug = s.strip()`), nor any two kinds known to differ.
    kinds = value_kinds(unit.node)
    for node in unit.nodes:
        if isinstance(node, ast.Name) and id(node) in candidates:
            mine = kinds.get(node.id)
            for name in candidates[id(node)]:
                theirs = kinds.get(name)
                if mine is not None and theirs is not None and mine != theirs:
                    continue
                yield Edit(node, ast.Name(id=name, ctx=ast.Load()))
