"""Whether an edited module parses to exactly the tree an edit intended.

The comparison behind every accepted edit of :mod:`~pytest_selfheal.engines._offline.rewrite`
and :mod:`~pytest_selfheal.engines._offline.splice`: two trees are the same when
``ast.dump(..., include_attributes=False)`` of both would be, computed without building
the strings, and with a :class:`Window` the statements an edit did not touch are compared
by position only.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass


def parse_quietly(source: str) -> ast.Module | None:
    # A module with an invalid escape sequence warns on every parse; the original
    # already warned once, and under `-W error` a repeat would abort the search.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError):
            return None


def equal_trees(first: object, second: object) -> bool:
    """Whether two nodes (or lists of nodes) are equal, source positions ignored.

    The same answer as comparing ``ast.dump(..., include_attributes=False)`` of both.
    """
    return equal_replaced(first, second, None, None)


@dataclass(frozen=True)
class Window:
    """The original lines an edit touched, and how many lines it added."""

    first: int
    last: int
    delta: int


def equal_replaced(
    new: object,
    old: object,
    target: object,
    replacement: object,
    window: Window | None = None,
) -> bool:
    """Whether ``new`` equals ``old`` with ``target`` replaced, positions ignored.

    The same comparison as ``ast.dump(..., include_attributes=False)`` on both sides,
    without building the strings. With a ``window``, a statement wholly outside the
    edited lines is the same when it sits at the same place: its text is untouched,
    and a statement's tree depends only on its own text.
    """
    if target is not None and old is target:
        return equal_replaced(new, replacement, None, None)
    if type(new) is not type(old):
        return False
    if isinstance(old, ast.AST):
        if window is not None and isinstance(old, ast.stmt):
            assert isinstance(new, ast.stmt)  # same type, checked above
            if old.end_lineno is not None and old.end_lineno < window.first:
                return _same_place(new, old, 0)
            if old.lineno > window.last:
                return _same_place(new, old, window.delta)
        for field in old._fields:
            new_value, old_value = getattr(new, field, None), getattr(old, field, None)
            if not equal_replaced(new_value, old_value, target, replacement, window):
                return False
        return True
    if isinstance(old, list):
        assert isinstance(new, list)  # same type, checked above
        if len(new) != len(old):
            return False
        for new_item, old_item in zip(new, old, strict=True):
            if not equal_replaced(new_item, old_item, target, replacement, window):
                return False
        return True
    return new == old


def _same_place(new: ast.stmt, old: ast.stmt, delta: int) -> bool:
    return (
        new.lineno == old.lineno + delta
        and new.col_offset == old.col_offset
        and new.end_lineno == (old.end_lineno or 0) + delta
        and new.end_col_offset == old.end_col_offset
    )
