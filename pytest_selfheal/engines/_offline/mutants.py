"""Mutants of one function: every operator's edits, written out and deduplicated."""

from __future__ import annotations

import ast
import functools
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeGuard

from pytest_selfheal._source.patches import find_unit, parse_module

# Imported for their side effect: they register their operators after the basic ones.
from pytest_selfheal.engines._offline import calls, extents, statements  # noqa: F401
from pytest_selfheal.engines._offline.operators import OPERATORS, Edit, Unit
from pytest_selfheal.engines._offline.rewrite import Rewriter
from pytest_selfheal.engines._offline.sametree import equal_trees
from pytest_selfheal.engines._offline.splice import delete_statement, insert_statement
from pytest_selfheal.errors import PatchError

# Longest side of a description before the text common to both sides is elided.
_DESCRIPTION_WIDTH = 60
_CONTEXT = 16


@dataclass(frozen=True)
class Mutation:
    """One single-edit variant of a module.

    :param operator: the id of the operator that made it (``compare-swap``).
    :param description: one line for humans: ``line 12: `a < b` -> `a <= b```.
    :param lineno: the line of the mutated node in the original source.
    :param source: the whole new module text.
    """

    operator: str
    description: str
    lineno: int
    source: str


@dataclass(frozen=True)
class PlannedMutation:
    """A mutant known by where and how it edits, written out only when asked: writing
    is nearly all of a mutant's cost (the whole module's text, and the check that it
    re-parses to the intended tree), and a large function has thousands.

    :param render: the mutant, or ``None`` when no text means what the edit means.
    """

    operator: str
    lineno: int
    render: Callable[[], Mutation | None]


def mutations(
    source: str, qualname: str, *, lines: Collection[int] | None = None
) -> list[Mutation]:
    """Return all single-edit mutants of unit ``qualname`` in module text ``source``.

    Each mutant's text differs from ``source`` only inside the span of the mutated
    node and re-parses to exactly the intended tree; one that cannot be written that
    way is left out. Mutants are deduplicated on the resulting function's AST
    (positions ignored), and one identical to the original is dropped.

    :param source: the module text.
    :param qualname: the function or method to mutate (``Cart.total``).
    :param lines: when given, only nodes on (any line of) these lines are mutated,
        typically the lines the failing test executed.
    :returns: mutants ordered by source position, then operator registration order.
    :raises SourceError: when ``source`` does not parse or has no unit ``qualname``.
    """
    return [mutation for planned in planned_mutations(source, qualname, lines=lines)
            if (mutation := planned.render()) is not None]


def planned_mutations(
    source: str, qualname: str, *, lines: Collection[int] | None = None
) -> list[PlannedMutation]:
    """:func:`mutations`, each written out only when its ``render`` is called. Edits
    that make the same function are one planned mutant, written by the first of them
    whose text means it."""
    tree, rewriter = _parsed(source)
    unit_node = find_unit(tree, qualname)
    wanted = frozenset(lines) if lines is not None else None
    unit = Unit(unit_node, tree)
    slots = {id(statement): (block, index) for statement, block, index in unit.statements}
    edits: list[tuple[tuple[int, int, int, int], str, Edit]] = []
    for rank, (operator, generate) in enumerate(OPERATORS.items()):
        for edit in generate(unit):
            node = edit.node
            if wanted is not None and not _touches(node, wanted):
                continue
            key = (node.lineno, node.col_offset, rank, len(edits))
            edits.append((key, operator, edit))
    edits.sort(key=lambda item: item[0])

    groups: dict[tuple[int, str], list[tuple[str, Edit]]] = {}
    for _, operator, edit in edits:
        if edit.kind == "replace":
            fingerprint = _fingerprint(edit.node, edit.replacement)
        else:
            fingerprint = (id(edit.node), edit.kind + ast.dump(edit.replacement))
        if fingerprint is not None:
            groups.setdefault(fingerprint, []).append((operator, edit))
    return [PlannedMutation(group[0][0], group[0][1].node.lineno,
                            functools.partial(_render, rewriter, slots, group))
            for group in groups.values()]


@functools.lru_cache(maxsize=4)
def _parsed(source: str) -> tuple[ast.Module, Rewriter]:
    """The module's tree and its rewriter, shared by the suspects in one module (five of
    pyparsing's eight suspects are in its 6,000-line ``core.py``): edits build new
    nodes around the tree's, never change it."""
    with warnings.catch_warnings():
        # Invalid escape sequences in user code are not ours to report.
        warnings.simplefilter("ignore")
        tree = parse_module(source, "<module>")
    return tree, Rewriter(source, tree)


def _render(rewriter: Rewriter, slots: dict[int, tuple[list[ast.stmt], int]],
            group: list[tuple[str, Edit]]) -> Mutation | None:
    for operator, edit in group:
        try:
            if edit.kind == "replace":
                new_source = rewriter.replace(edit.node, edit.replacement)
            else:
                new_source = _splice(rewriter, edit, slots)
        except PatchError:
            continue  # no text means what the edit means: not a mutant we can offer
        description = edit.description or describe(edit.node, edit.replacement)
        return Mutation(operator, description, edit.node.lineno, new_source)
    return None


def _splice(rewriter: Rewriter, edit: Edit,
            slots: dict[int, tuple[list[ast.stmt], int]]) -> str:
    """Write a statement deletion or insertion; :class:`PatchError` when it cannot be."""
    slot = slots.get(id(edit.node))
    if slot is None:
        raise PatchError("not a statement of the function's body")
    block, index = slot
    if edit.kind == "delete":
        return delete_statement(rewriter, block, index)
    replacement = edit.replacement
    # An ingredient keeps its own text (quotes, spacing); a new statement is unparsed.
    is_original = rewriter.is_original(replacement) and (
        replacement.lineno == replacement.end_lineno)
    code = rewriter.text.segment(replacement) if is_original else ast.unparse(replacement)
    return insert_statement(rewriter, block, index, code)


def _fingerprint(node: ast.AST, replacement: ast.AST) -> tuple[int, str] | None:
    """Identify the function a mutant makes, or ``None`` when it is the original.

    Two edits make the same function exactly when they change the same innermost
    original node into equal trees (``n - 1 -> n - 2`` as an index shift and as a
    literal shift both turn that ``1`` into ``2``). Narrowing each edit down to that
    node gives the same answer as dumping the whole mutated function, which the
    rewriter has proven equal to the intended one, at a fraction of the cost.
    """
    while True:
        if type(node) is not type(replacement):
            break
        changed = [
            field
            for field in node._fields
            if not equal_trees(getattr(replacement, field, None), getattr(node, field, None))
        ]
        if not changed:
            return None
        if len(changed) > 1:
            break
        old: object = getattr(node, changed[0], None)
        new: object = getattr(replacement, changed[0], None)
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            pairs = [(a, b) for a, b in zip(old, new, strict=True) if not equal_trees(b, a)]
            if len(pairs) != 1:
                break
            old, new = pairs[0]
        if not _is_located(old) or not isinstance(new, ast.AST):
            break
        node, replacement = old, new
    return id(node), ast.dump(replacement)


def _is_located(node: object) -> TypeGuard[ast.AST]:
    # Operators and contexts are shared singletons in parsed trees: their id() does not
    # tell one place from another, so narrowing stops above them.
    return isinstance(node, ast.AST) and not isinstance(
        node, ast.expr_context | ast.operator | ast.boolop | ast.unaryop | ast.cmpop
    )


def describe(node: ast.AST, replacement: ast.AST) -> str:
    """Return ``line N: `old` -> `new```, eliding long text the two sides share."""
    old, new = ast.unparse(node), ast.unparse(replacement)
    if max(len(old), len(new)) > _DESCRIPTION_WIDTH:
        old, new = _elide_common(old, new)
        old, new = _shortened(old), _shortened(new)
    return f"line {getattr(node, 'lineno', '?')}: `{old}` -> `{new}`"


def _elide_common(old: str, new: str) -> tuple[str, str]:
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old), len(new)) - prefix
        and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]
    ):
        suffix += 1
    start = max(prefix - _CONTEXT, 0)
    head = "..." if start > 0 else ""
    old_end, new_end = len(old) - max(suffix - _CONTEXT, 0), len(new) - max(suffix - _CONTEXT, 0)
    tail = "..." if old_end < len(old) else ""
    return head + old[start:old_end] + tail, head + new[start:new_end] + tail


def _shortened(text: str) -> str:
    # Changes at both ends (added parentheses, an operator at the end) leave little
    # common text to elide; keep the ends, which is where such changes are.
    if len(text) <= _DESCRIPTION_WIDTH:
        return text
    half = _DESCRIPTION_WIDTH // 2
    return text[: half - 2] + "..." + text[-(half - 1) :]


def _touches(node: ast.AST, lines: frozenset[int]) -> bool:
    first = getattr(node, "lineno", 0)
    last = getattr(node, "end_lineno", None) or first
    return any(line in lines for line in range(first, last + 1))
