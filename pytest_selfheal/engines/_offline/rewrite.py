"""Exact source edits: replace one AST node's text and prove the result means it.

Mutation operators describe a change as *this node becomes that node*; this module
turns it into the smallest text edit of the module, so everything outside the edited
span (comments, blank lines, quote style, tabs, ``\\r\\n`` line endings, a missing final
newline, non-ASCII text) stays byte for byte. An edit is only accepted when the edited
module re-parses to exactly the intended tree: a mutant never says one thing and means
another. Precedence is the usual trap (``n -> n + 1`` inside ``2 * n`` must be written
``2 * (n + 1)``), so renderings are tried from the most faithful to the most
parenthesized and the first one that round-trips wins.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_selfheal.engines._offline.sametree import Window, equal_replaced, parse_quietly
from pytest_selfheal.engines._offline.text import (
    NEWLINE,
    SourceText,
    TextEdit,
    apply_edits,
    gap_tokens,
)
from pytest_selfheal.errors import PatchError

Replaceable = ast.expr | ast.stmt

_PLACEHOLDER = "__selfheal_splice_{}__"

_OPERATOR_TEXT: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.MatMult: "@",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.And: "and",
    ast.Or: "or",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}

# Expressions whose text never needs parentheses to be an operand.
_ATOMS = (
    ast.Name,
    ast.Constant,
    ast.Attribute,
    ast.Subscript,
    ast.Call,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.JoinedStr,
)


class Rewriter:
    """Applies node replacements to one module, one at a time, each verified.

    Build one per module and call :meth:`replace` for every mutant: the line index and
    the node table are computed once.

    :param source: the module text.
    :param tree: ``ast.parse(source)``; the nodes passed to :meth:`replace` come from it.
    """

    def __init__(self, source: str, tree: ast.Module) -> None:
        self.text = SourceText(source)
        self.tree = tree
        self._originals = {
            id(node) for node in ast.walk(tree) if isinstance(node, ast.expr | ast.stmt)
        }

    def is_original(self, node: ast.AST) -> bool:
        """Whether ``node`` is an expression or statement of the module's own tree."""
        return id(node) in self._originals

    def replace(self, node: Replaceable, replacement: Replaceable) -> str:
        """Return the new module text, with ``node`` replaced.

        ``replacement`` may reuse nodes of the original tree (``not x`` built around the
        original ``x``); their original text, comments included, is kept.

        :raises PatchError: when ``node`` is not from the tree, or no rendering of
            ``replacement`` re-parses to the original tree with only ``node`` replaced.
        """
        if id(node) not in self._originals:
            raise PatchError(f"{type(node).__name__} node is not part of the module's tree")
        if isinstance(node, ast.expr) != isinstance(replacement, ast.expr):
            raise PatchError("an expression can only be replaced by an expression")
        tried: set[str] = set()
        for edits in self._candidates(node, replacement):
            new_source = apply_edits(self.text.source, edits)
            if new_source in tried:
                continue
            tried.add(new_source)
            window = Window(node.lineno, node.end_lineno or node.lineno, self._added_lines(edits))
            if self.means(new_source, node, replacement, window):
                return new_source
        raise PatchError(
            f"line {node.lineno}: no rendering of `{ast.unparse(replacement)}` "
            "re-parses to the intended code"
        )

    def means(self, new_source: str, target: object, replacement: object,
              window: Window) -> bool:
        """Whether ``new_source`` parses to the module with ``target`` (a node, or a
        block's list of statements) replaced by ``replacement``.

        ``window`` says which original lines the text edit touched: everything
        outside it is compared by position only, and when the function (or the
        module-level statement) around the edit parses on its own, only it is parsed.
        """
        top = self._enclosing(window.first)
        verdict = self._top_level_equal(new_source, top, target, replacement, window)
        if verdict is None:
            new_tree = parse_quietly(new_source)
            verdict = new_tree is not None and equal_replaced(new_tree, self.tree, target,
                                                      replacement, window)
        return verdict

    def _enclosing(self, line: int) -> tuple[ast.stmt, int, int, int] | None:
        """The innermost function holding ``line`` whose text has its lines to itself,
        else the module-level statement holding it: the statement, its first line
        (decorators included) and its string span; ``None`` when there is none."""
        found = None
        body = self.tree.body
        while True:
            statement = next((s for s in body
                              if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
            if statement is None:
                return found
            decorators = getattr(statement, "decorator_list", [])
            first = min([statement.lineno, *(d.lineno for d in decorators)])
            start, end = self.text.offset(first, 0), self.text.span(statement)[1]
            if found is None and statement.col_offset != 0:
                return None
            if found is None or (isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef)
                                 and self._alone(statement, start, end)):
                found = (statement, first, start, end)
            if not isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                return found
            body = statement.body

    def _alone(self, statement: ast.stmt, start: int, end: int) -> bool:
        """Whether ``statement``, from line-start offset ``start`` to ``end``, has its
        lines to itself (``class A: def f(self): ...`` does not)."""
        source = self.text.source
        decorators = getattr(statement, "decorator_list", [])
        token = decorators[0] if decorators else statement
        head = source[start:self.text.offset(token.lineno, token.col_offset)]
        line_end = NEWLINE.search(source, end)
        rest = source[end:line_end.start() if line_end else len(source)].strip()
        return head.strip() in ("", "@") and (not rest or rest.startswith("#"))

    def _top_level_equal(
        self,
        new_source: str,
        top: tuple[ast.stmt, int, int, int] | None,
        target: object,
        replacement: object,
        window: Window,
    ) -> bool | None:
        """Check the edit by re-parsing only the statement around it (see :meth:`_enclosing`).

        The text around that statement is untouched and the statement has its lines to
        itself, so when its new text alone parses to one statement, the module parses to
        the old module with that statement changed, and comparing the one statement
        decides. ``None`` when that shortcut does not apply.
        """
        if top is None:
            return None
        statement, first, start, end = top
        end += len(new_source) - len(self.text.source)
        # Blank lines in front put the statement at its own line numbers, which is
        # cheaper than renumbering every node of the parsed statement afterwards; an
        # indented one parses under `if 1:`, where a line that leaves its indentation
        # would end the block and show up as a second statement.
        indented = statement.col_offset != 0
        head = "\n" * (first - 2) + "if 1:\n" if indented else "\n" * (first - 1)
        snippet = parse_quietly(head + new_source[start:end])
        if snippet is None or len(snippet.body) != 1:
            return None
        parsed = snippet.body[0]
        if indented:
            if not isinstance(parsed, ast.If) or parsed.orelse or len(parsed.body) != 1:
                return None
            parsed = parsed.body[0]
        return equal_replaced(parsed, statement, target, replacement, window)

    def _added_lines(self, edits: list[TextEdit]) -> int:
        source = self.text.source
        return sum(
            len(NEWLINE.findall(edit.text)) - len(NEWLINE.findall(source, edit.start, edit.end))
            for edit in edits
        )

    def _candidates(self, node: Replaceable, replacement: Replaceable) -> Iterator[list[TextEdit]]:
        operator_edits = self._operator_edits(node, replacement)
        if operator_edits is not None:
            yield operator_edits
        start, end = self.text.span(node)
        for text in self._renderings(node, replacement):
            yield [TextEdit(start, end, text)]

    def _operator_edits(self, node: Replaceable, replacement: Replaceable) -> list[TextEdit] | None:
        """Rewrite only the operator tokens, when that is all that changes.

        The operands' own text (their layout, comments, parentheses) then survives.
        """
        gaps = _operator_gaps(node, replacement)
        if not gaps:
            return None
        edits = []
        for before, after, old, new in gaps:
            gap_start = self.text.span(before)[1]
            gap_end = self.text.span(after)[0]
            tokens = gap_tokens(self.text.source[gap_start:gap_end])
            if tokens is None or [text for _, _, text in tokens] != old.split():
                return None
            start, end = gap_start + tokens[0][0], gap_start + tokens[-1][1]
            edits.append(TextEdit(start, end, self._padded(new, start, end)))
        return edits

    def _padded(self, text: str, start: int, end: int) -> str:
        # `x==None` -> `x is None`, not `xisNone`: a keyword operator needs space
        # around it where the symbol it replaces did not.
        source = self.text.source
        if text[0].isalpha() and start > 0 and not source[start - 1].isspace():
            text = " " + text
        if text[-1].isalpha() and end < len(source) and not source[end].isspace():
            text = text + " "
        return text

    def _renderings(self, node: Replaceable, replacement: Replaceable) -> Iterator[str]:
        """Yield texts for ``replacement``, from the most faithful to the most parenthesized."""
        is_expression = isinstance(replacement, ast.expr)
        if id(replacement) in self._originals:
            # An existing node moves up (`not x` -> `x`): its text is reused verbatim.
            text = self.text.segment(replacement)
            yield text
            if is_expression:
                yield f"({text})"
            return
        template, segments = self._template(replacement)
        if "\n" in template:
            indentation = self.text.indentation(node)
            template = template.replace("\n", self.text.newline + indentation)
        texts = [self.text.segment(segment) for segment in segments]
        for outer in (False, True) if is_expression else (False,):
            for inner in (False, True):
                text = template
                for index, (segment, segment_text) in enumerate(zip(segments, texts, strict=True)):
                    if inner and not isinstance(segment, _ATOMS):
                        segment_text = f"({segment_text})"
                    text = text.replace(_PLACEHOLDER.format(index), segment_text)
                if isinstance(replacement, ast.Tuple) and not outer and text.startswith("("):
                    # `a, b = b, a` was written bare: try it bare before parenthesized.
                    yield text[1:-1]
                yield f"({text})" if outer else text

    def _template(self, replacement: Replaceable) -> tuple[str, list[ast.expr]]:
        """Unparse ``replacement`` with a placeholder for each reused original expression."""
        segments: list[ast.expr] = []

        def clone(value: object) -> object:
            if isinstance(value, ast.expr) and id(value) in self._originals:
                segments.append(value)
                return ast.Name(id=_PLACEHOLDER.format(len(segments) - 1), ctx=ast.Load())
            if isinstance(value, ast.AST):
                fields = {name: clone(item) for name, item in ast.iter_fields(value)}
                # Statements keep their position: unparsing an Assign reads its line
                # number on Python 3.11.
                return ast.copy_location(type(value)(**fields), value)
            if isinstance(value, list):
                return [clone(item) for item in value]
            return value

        root = clone(replacement)
        assert isinstance(root, ast.AST)  # a clone of a node is a node
        return ast.unparse(root), segments


def replace_node(source: str, tree: ast.Module, node: Replaceable, replacement: Replaceable) -> str:
    """Return ``source`` with the text of ``node`` replaced by a rendering of ``replacement``.

    Only the span of ``node`` changes (for an operator swap, only the operator token).
    Build a :class:`Rewriter` instead when replacing many nodes of one module.

    :param source: the module text.
    :param tree: ``ast.parse(source)``; ``node`` must be one of its nodes.
    :param node: the expression or statement to replace.
    :param replacement: the node to put in its place; it may reuse original nodes.
    :raises PatchError: when no rendering re-parses to the intended tree.
    """
    return Rewriter(source, tree).replace(node, replacement)


def _operator_gaps(
    node: Replaceable, replacement: Replaceable
) -> list[tuple[ast.AST, ast.AST, str, str]]:
    """List ``(operand before, operand after, old operator, new operator)`` to rewrite.

    Empty when ``replacement`` is not ``node`` with only its operators changed.
    """
    if isinstance(node, ast.BinOp) and isinstance(replacement, ast.BinOp):
        if replacement.left is node.left and replacement.right is node.right:
            return _changed([(node.left, node.right, node.op, replacement.op)])
    elif isinstance(node, ast.AugAssign) and isinstance(replacement, ast.AugAssign):
        if replacement.target is node.target and replacement.value is node.value:
            gaps = _changed([(node.target, node.value, node.op, replacement.op)])
            return [(before, after, old + "=", new + "=") for before, after, old, new in gaps]
    elif isinstance(node, ast.BoolOp) and isinstance(replacement, ast.BoolOp):
        if _same_nodes(node.values, replacement.values):
            return _changed(
                [
                    (before, after, node.op, replacement.op)
                    for before, after in zip(node.values, node.values[1:], strict=False)
                ]
            )
    elif isinstance(node, ast.Compare) and isinstance(replacement, ast.Compare):
        operands = [node.left, *node.comparators]
        if _same_nodes(operands, [replacement.left, *replacement.comparators]) and len(
            node.ops
        ) == len(replacement.ops):
            return _changed(
                [
                    (operands[index], operands[index + 1], old, new)
                    for index, (old, new) in enumerate(zip(node.ops, replacement.ops, strict=True))
                ]
            )
    return []


def _changed(
    gaps: list[tuple[ast.AST, ast.AST, ast.AST, ast.AST]],
) -> list[tuple[ast.AST, ast.AST, str, str]]:
    return [
        (before, after, _OPERATOR_TEXT[type(old)], _OPERATOR_TEXT[type(new)])
        for before, after, old, new in gaps
        if type(old) is not type(new)
        and type(old) in _OPERATOR_TEXT
        and type(new) in _OPERATOR_TEXT
    ]


def _same_nodes(first: list[ast.expr], second: list[ast.expr]) -> bool:
    return len(first) == len(second) and all(a is b for a, b in zip(first, second, strict=True))
