"""Positions and text edits in module source, exact to the character.

AST positions are (line, UTF-8 byte column) pairs; edits are made on the ``str``. This
module converts between the two and scans the little text between two operands.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pytest_selfheal.errors import PatchError

# The tokenizer ends a line at any of these (a lone "\r" included), and AST line
# numbers count them; str.splitlines() would also split on "\f", "\x1c" and friends.
NEWLINE = re.compile(r"\r\n|\r|\n")

# What can sit between two operands: layout, comments, the parentheses of a
# parenthesized operand, and the operator itself (a symbol or a keyword).
_GAP_TOKEN = re.compile(
    r"(?P<trivia>[ \t\f\r\n]+|\\(?:\r\n|\r|\n)|\#[^\r\n]*|[()])"
    r"|(?P<word>[A-Za-z_]+)"
    r"|(?P<symbol>[-+*/%@&|^<>=!~]+)"
)


class SourceText:
    """Module text indexed so that AST positions become string offsets.

    AST column offsets count UTF-8 *bytes* of the line, not characters; this class
    does the conversion, so spans stay exact on lines with non-ASCII text.

    :param source: the module text, exactly as read.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._line_starts = [0, *(match.end() for match in NEWLINE.finditer(source))]
        first_newline = NEWLINE.search(source)
        self.newline = first_newline.group() if first_newline else "\n"

    def offset(self, lineno: int, col_offset: int) -> int:
        """Return the string index of AST position ``(lineno, col_offset)``.

        :raises PatchError: when the position is not inside the text.
        """
        if not 1 <= lineno <= len(self._line_starts):
            raise PatchError(f"line {lineno} is outside the source")
        start = self._line_starts[lineno - 1]
        head = self.source[start : start + col_offset]
        if head.isascii():
            return start + col_offset
        end = self._line_starts[lineno] if lineno < len(self._line_starts) else len(self.source)
        encoded = self.source[start:end].encode("utf-8")
        try:
            return start + len(encoded[:col_offset].decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise PatchError(f"column {col_offset} splits a character on line {lineno}") from exc

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Return the ``[start, end)`` string indexes of ``node``'s text.

        :raises PatchError: when ``node`` carries no complete position.
        """
        lineno = getattr(node, "lineno", None)
        col_offset = getattr(node, "col_offset", None)
        end_lineno = getattr(node, "end_lineno", None)
        end_col_offset = getattr(node, "end_col_offset", None)
        if lineno is None or col_offset is None or end_lineno is None or end_col_offset is None:
            raise PatchError(f"{type(node).__name__} node has no source position")
        return self.offset(lineno, col_offset), self.offset(end_lineno, end_col_offset)

    def segment(self, node: ast.AST) -> str:
        """Return the text of ``node``, without any parentheses around it."""
        start, end = self.span(node)
        return self.source[start:end]

    def indentation(self, node: ast.AST) -> str:
        """Return the whitespace that starts ``node``'s first line, or ``""``."""
        start, _ = self.span(node)
        line_start = self.source.rfind("\n", 0, start) + 1
        line_start = max(line_start, self.source.rfind("\r", 0, start) + 1)
        head = self.source[line_start:start]
        return head if head.isspace() else ""


@dataclass(frozen=True)
class TextEdit:
    """Replace ``source[start:end]`` with ``text``."""

    start: int
    end: int
    text: str


def gap_tokens(gap: str) -> list[tuple[int, int, str]] | None:
    """Return the non-trivia tokens of the text between two operands, or ``None``.

    ``None`` means the gap holds something unexpected; the caller then falls back to
    rewriting the whole node. A small scanner rather than :mod:`tokenize`, which
    raises ``TokenError`` on a fragment like ``") * ("`` from Python 3.12 on.
    """
    tokens = []
    position = 0
    while position < len(gap):
        match = _GAP_TOKEN.match(gap, position)
        if match is None:
            return None
        if match.lastgroup != "trivia":
            tokens.append((match.start(), match.end(), match.group()))
        position = match.end()
    return tokens or None


def apply_edits(source: str, edits: list[TextEdit]) -> str:
    """Return ``source`` with non-overlapping ``edits`` applied."""
    for edit in sorted(edits, key=lambda edit: edit.start, reverse=True):
        source = source[: edit.start] + edit.text + source[edit.end :]
    return source
