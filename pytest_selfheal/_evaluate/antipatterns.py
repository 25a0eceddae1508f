"""Edits that fit the tests more often than they fix the bug.

A search that tries every small edit finds, besides the fix, edits that happen to make
weak tests pass. Some shapes of edit are that far more often than they are the fix
(Tan et al., "Anti-patterns in search-based program repair", 2016): making two distinct
variables the same, deleting a statement that does something, swapping the arguments of
a recursive call. A candidate of such a shape ranks below the others that pass and is
never called verified. The checks compare the function's syntax trees before and after
the edit; nothing runs.
"""

from __future__ import annotations

import ast
import warnings
from collections import Counter
from collections.abc import Iterator


def anti_patterns(original: str, candidate: str, qualname: str) -> list[str]:
    """What is suspicious about the edit of ``qualname`` from ``original`` to
    ``candidate`` (whole module texts), in words; empty when nothing is."""
    before, after = _function(original, qualname), _function(candidate, qualname)
    if before is None or after is None:
        return []
    found: list[str] = []
    parents = {id(child): node for node in ast.walk(before)
               for child in ast.iter_child_nodes(node)}
    for old, new, statement in _differences(before, after, before):
        if (isinstance(old, ast.Name) and isinstance(new, ast.Name) and old.id != new.id
                and (_joins_operands(parents.get(id(old)), old, new)
                     or _assigned_whole(statement, old))):
            found.append(f"it makes `{new.id}` stand where `{old.id}` was, so two "
                         "distinct variables become the same")
        deleted = _deleted_statement(old, new)
        if deleted is not None:
            found.append(f"it deletes `{_text(deleted)}`, a statement that does something")
    name = qualname.rsplit(".", 1)[-1]
    for old_call, new_call in zip(_own_calls(before, name), _own_calls(after, name),
                                  strict=False):
        old_args = [ast.dump(a) for a in old_call.args]
        new_args = [ast.dump(a) for a in new_call.args]
        if old_args != new_args and Counter(old_args) == Counter(new_args):
            found.append(f"it swaps the arguments of the recursive call `{_text(new_call)}`")
    return list(dict.fromkeys(found))


def _function(source: str, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            node: ast.AST = ast.parse(source)
        except (SyntaxError, ValueError):
            return None
    for part in qualname.split("."):
        found = next((child for child in ast.iter_child_nodes(node)
                      if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                      and child.name == part), None)
        if found is None:
            return None
        node = found
    return node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None


def _differences(old: ast.AST, new: ast.AST, statement: ast.AST
                 ) -> Iterator[tuple[ast.AST, ast.AST, ast.AST]]:
    """The smallest differing pairs of nodes, each with the original statement around
    it; a list of children of different lengths yields the node that holds it."""
    if type(old) is not type(new):
        yield old, new, statement
        return
    if isinstance(old, ast.stmt):
        statement = old
    for field in old._fields:
        a, b = getattr(old, field, None), getattr(new, field, None)
        if isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                yield old, new, statement
                continue
            pairs = zip(a, b, strict=True)
        else:
            pairs = zip([a], [b], strict=True)
        for x, y in pairs:
            if isinstance(x, ast.AST) and isinstance(y, ast.AST):
                yield from _differences(x, y, statement)
            elif x != y:
                yield old, new, statement


def _operands(node: ast.AST | None) -> list[ast.expr]:
    """The values ``node`` combines side by side: a call's arguments, the two sides of an
    operator or comparison, the items of a tuple or list."""
    if isinstance(node, ast.Call):
        return list(node.args)
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return list(node.elts)
    return []


def _joins_operands(parent: ast.AST | None, old: ast.Name, new: ast.Name) -> bool:
    """Whether ``new``, put for ``old``, is the name of another operand beside it:
    ``slow is fast`` made ``slow is slow``. Only there do two distinct variables become
    the same; a name that appears elsewhere in the statement (the loop variable of a
    comprehension) is what fixes a wrong variable, as ``dist(center, center)`` made
    ``dist(point, center)`` does."""
    return any(isinstance(operand, ast.Name) and operand.id == new.id
               for operand in _operands(parent) if operand is not old)


def _assigned_whole(statement: ast.AST, name: ast.Name) -> bool:
    """Whether ``name`` is the whole value an assignment stores: ``right = cols``."""
    return isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is name


def _deleted_statement(old: ast.AST, new: ast.AST) -> ast.stmt | None:
    """The one statement of a body of ``old`` that ``new`` lacks, if it does something."""
    for field in ("body", "orelse", "finalbody"):
        a, b = getattr(old, field, None), getattr(new, field, None)
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b) + 1:
            continue
        dumped = [ast.dump(s) for s in b]
        for index, statement in enumerate(a):
            if [ast.dump(s) for s in a[:index] + a[index + 1:]] == dumped:
                inert = isinstance(statement, ast.Pass) or (
                    isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
                return None if inert else statement
    return None


def _own_calls(function: ast.AST, name: str) -> list[ast.Call]:
    """Calls of the function by itself (``name(...)`` or ``self.name(...)``), in order."""
    return [node for node in ast.walk(function) if isinstance(node, ast.Call)
            and ((isinstance(node.func, ast.Name) and node.func.id == name)
                 or (isinstance(node.func, ast.Attribute) and node.func.attr == name))]


def _text(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "..."
