"""Exact statement edits: delete a statement or insert one, whole lines at a time.

:mod:`~pytest_selfheal.engines._offline.rewrite` replaces one node by another; deleting or
inserting a statement changes the length of a block, which no node replacement says.
Here the edit is made on whole lines (the statement's own lines go, or new lines go in
above a statement, at its indentation) and, as there, accepted only when the new
module re-parses to exactly the intended tree.
"""

from __future__ import annotations

import ast

from pytest_selfheal.engines._offline.rewrite import Rewriter
from pytest_selfheal.engines._offline.sametree import Window
from pytest_selfheal.engines._offline.text import NEWLINE, SourceText
from pytest_selfheal.errors import PatchError


def delete_statement(rewriter: Rewriter, block: list[ast.stmt], index: int) -> str:
    """Return the module without ``block[index]``.

    :raises PatchError: when the statement does not own its lines (``a = 1; b = 2``),
        is the only one of its block, or the result does not mean the deletion.
    """
    if len(block) < 2:
        raise PatchError("the only statement of a block cannot be deleted")
    statement = block[index]
    text = rewriter.text
    start, end = _own_lines(text, statement)
    new_source = text.source[:start] + text.source[end:]
    last = statement.end_lineno or statement.lineno
    window = Window(statement.lineno, last, statement.lineno - last - 1)
    return _checked(rewriter, new_source, (block, [*block[:index], *block[index + 1:]]),
                    window)


def insert_statement(rewriter: Rewriter, block: list[ast.stmt], index: int, code: str) -> str:
    """Return the module with ``code`` (one statement, possibly of several lines)
    inserted above ``block[index]`` at its indentation.

    :raises PatchError: when the result does not parse to the block with one more
        statement in that place.
    """
    before = block[index]
    text = rewriter.text
    start, _ = _own_lines(text, before)
    indentation = text.indentation(before)
    lines = code.splitlines()
    inserted = "".join(indentation + line + text.newline for line in lines)
    new_source = text.source[:start] + inserted + text.source[start:]
    parsed = ast.parse(code).body
    if len(parsed) != 1:
        raise PatchError("insert exactly one statement")
    # No original line is touched: the statements from ``before`` on move down.
    window = Window(before.lineno, before.lineno - 1, len(lines))
    return _checked(rewriter, new_source, (block, [*block[:index], parsed[0], *block[index:]]),
                    window)


def _own_lines(text: SourceText, statement: ast.stmt) -> tuple[int, int]:
    """The string span of the whole lines of ``statement``, newline included."""
    start, end = text.span(statement)
    line_start = max(text.source.rfind("\n", 0, start), text.source.rfind("\r", 0, start)) + 1
    if text.source[line_start:start].strip():
        raise PatchError(f"line {statement.lineno}: the statement shares its line")
    newline = NEWLINE.search(text.source, end)
    rest_end = len(text.source) if newline is None else newline.end()
    tail = text.source[end:rest_end].strip()
    if tail and not tail.startswith("#"):
        raise PatchError(f"line {statement.lineno}: the statement shares its line")
    return line_start, rest_end


def _checked(rewriter: Rewriter, new_source: str,
             blocks: tuple[list[ast.stmt], list[ast.stmt]], window: Window) -> str:
    block, new_block = blocks
    if not rewriter.means(new_source, block, new_block, window):
        raise PatchError("the edited text does not mean the intended statements")
    return new_source
