"""Source rewriting: every mutant is the original with one span changed, and means it."""

from __future__ import annotations

import ast
import bisect
import inspect
import re
import textwrap
from pathlib import Path

import pytest

from pytest_selfheal._source.patches import iter_units
from pytest_selfheal.engines._offline import Mutation, Rewriter, mutations, replace_node
from pytest_selfheal.errors import PatchError

_LINE_END = re.compile(r"\r\n|\r|\n")


def common_prefix_length(first: str, second: str) -> int:
    # Bisection on slice equality: the comparisons run in C, fast on whole modules.
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def changed_window(old: str, new: str) -> tuple[int, int, int]:
    """Return ``(start, old_end, new_end)``.

    ``old[start:old_end]`` became ``new[start:new_end]``; the rest is the same.
    """
    start = common_prefix_length(old, new)
    tail = common_prefix_length(old[start:][::-1], new[start:][::-1])
    return start, len(old) - tail, len(new) - tail


STATEMENT_OPERATORS = ("delete-statement", "insert-guard", "copy-statement")


class NodeSpans:
    """String spans of a unit's expressions and statements, by first line.

    Computed here from scratch (AST columns are UTF-8 byte offsets) rather than with
    the code under test.
    """

    def __init__(self, source: str, unit: ast.AST) -> None:
        self.source = source
        self.line_starts = [0, *(match.end() for match in _LINE_END.finditer(source))]
        self.by_line: dict[int, list[tuple[int, int]]] = {}
        for node in ast.walk(unit):
            if isinstance(node, ast.expr | ast.stmt) and node.end_lineno is not None:
                span = (
                    self.offset(node.lineno, node.col_offset),
                    self.offset(node.end_lineno, node.end_col_offset or 0),
                )
                self.by_line.setdefault(node.lineno, []).append(span)

    def offset(self, line: int, column: int) -> int:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.source)
        return start + len(self.source[start:end].encode()[:column].decode())

    def assert_single_span_edit(self, mutant: Mutation) -> None:
        """The mutant parses and differs from the source only inside one node at its line."""
        ast.parse(mutant.source)
        start, old_end, _ = changed_window(self.source, mutant.source)
        assert mutant.source != self.source
        if mutant.operator in STATEMENT_OPERATORS:
            # Whole lines go (from the statement's line on) or come (above it).
            old_lines = _LINE_END.split(self.source)
            new_lines = _LINE_END.split(mutant.source)
            first = mutant.lineno - 1
            assert old_lines[:first] == new_lines[:first], mutant.description
            tail = min(len(old_lines), len(new_lines)) - first
            assert old_lines[len(old_lines) - tail:] == new_lines[len(new_lines) - tail:], (
                mutant.description)
            return
        spans = self.by_line.get(mutant.lineno, [])
        assert any(low <= start and old_end <= high for low, high in spans), mutant.description


def unit_node(source: str, qualname: str) -> ast.AST:
    return dict(iter_units(ast.parse(source)))[qualname]


def test_operator_swap_rewrites_only_the_operator_and_keeps_comments_in_operands() -> None:
    source = "def f(a, b):\n    return (a  # left\n            + b)  # right\n"
    tree = ast.parse(source)
    binop = next(node for node in ast.walk(tree) if isinstance(node, ast.BinOp))

    new = replace_node(source, tree, binop, ast.BinOp(binop.left, ast.Sub(), binop.right))

    assert new == "def f(a, b):\n    return (a  # left\n            - b)  # right\n"


def test_keyword_operator_gets_the_spaces_a_symbol_did_without() -> None:
    source = "ok = x==None\n"
    tree = ast.parse(source)
    compare = next(node for node in ast.walk(tree) if isinstance(node, ast.Compare))

    new = replace_node(
        source, tree, compare, ast.Compare(compare.left, [ast.Is()], compare.comparators)
    )

    assert new == "ok = x is None\n"


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("y = 2 * n\n", "n", "y = 2 * (n + 1)\n"),
        ("y = -x\n", "x", "y = -(x + 1)\n"),
        ("y = a ** b\n", "a", "y = (a + 1) ** b\n"),
        ("y = a ** b\n", "b", "y = a ** (b + 1)\n"),
        ("y = not a < b\n", "a", "y = not a + 1 < b\n"),
    ],
)
def test_a_replacement_is_parenthesized_exactly_when_precedence_needs_it(
    source: str, name: str, expected: str
) -> None:
    tree = ast.parse(source)
    target = next(node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == name)

    new = replace_node(source, tree, target, ast.BinOp(target, ast.Add(), ast.Constant(1)))

    assert new == expected
    intended = ast.parse(source)
    for node in ast.walk(intended):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.Name) and value.id == name:
                setattr(node, field, ast.BinOp(value, ast.Add(), ast.Constant(1)))
    assert ast.dump(ast.parse(new)) == ast.dump(intended)


def test_an_operand_of_not_is_parenthesized_when_it_becomes_a_boolean_operation() -> None:
    source = "y = not a < b\n"
    tree = ast.parse(source)
    compare = next(node for node in ast.walk(tree) if isinstance(node, ast.Compare))

    new = replace_node(
        source, tree, compare, ast.BoolOp(ast.Or(), [compare, ast.Name("c", ast.Load())])
    )

    assert new == "y = not (a < b or c)\n"


def test_swapping_an_inner_operator_keeps_the_tree_shape_with_parentheses() -> None:
    source = "y = a + b * c\n"
    tree = ast.parse(source)
    inner = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)
    )

    new = replace_node(source, tree, inner, ast.BinOp(inner.left, ast.Add(), inner.right))

    # `a + b + c` would be `(a + b) + c`: a different tree, so not what was asked for.
    assert new == "y = a + (b + c)\n"


def test_a_statement_is_replaced_in_place_keeping_its_trailing_comment() -> None:
    source = "def f(total):\n    total += 1  # count\n    return total\n"
    tree = ast.parse(source)
    statement = next(node for node in ast.walk(tree) if isinstance(node, ast.AugAssign))

    new = replace_node(
        source, tree, statement, ast.AugAssign(statement.target, ast.Sub(), ast.Constant(2))
    )

    assert new == "def f(total):\n    total -= 2  # count\n    return total\n"


def test_columns_are_utf8_byte_offsets_converted_to_characters() -> None:
    source = "é = 'ünïcödé' + naïve  # ça\n"
    tree = ast.parse(source)
    target = next(
        node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "naïve"
    )

    new = replace_node(source, tree, target, ast.Name("crème", ast.Load()))

    assert new == "é = 'ünïcödé' + crème  # ça\n"


def test_a_replacement_no_text_can_mean_is_a_patch_error() -> None:
    source = "y = x + 1\n"
    tree = ast.parse(source)
    one = next(node for node in ast.walk(tree) if isinstance(node, ast.Constant))

    # The parser never makes a negative constant (`-1` is a minus and a 1), so no
    # text re-parses to this tree: refusing beats emitting a mutant that lies.
    with pytest.raises(PatchError, match="no rendering"):
        replace_node(source, tree, one, ast.Constant(-1))


def test_a_node_from_another_tree_is_a_patch_error() -> None:
    source = "y = x\n"
    other = ast.parse(source).body[0]
    assert isinstance(other, ast.Assign)

    with pytest.raises(PatchError, match="not part of the module"):
        Rewriter(source, ast.parse(source)).replace(other.value, ast.Name("z", ast.Load()))


PRESERVED = (
    "# -*- coding: utf-8 -*-\r\n"
    '"""Prix en €."""\r\n'
    "\r\n"
    "TAUX = 0.2  # module constant\r\n"
    "\r\n"
    "\r\n"
    "def total_ttc(prix_unitaires, quantité, remise=0):  # signature stays\r\n"
    '\t"""Somme TTC — avec remise."""\r\n'
    "\tsomme = 0\t# tab before comment   \r\n"
    "\tfor i in range(len(prix_unitaires) - 1):\r\n"
    "\t\tsomme += (prix_unitaires[i]  # price\r\n"
    "\t\t          * quantité)  # qty\r\n"
    "\tif somme > 100 and not remise:\r\n"
    "\t\tsomme = somme - 5 if somme >= 200 else somme  # bulk\r\n"
    "\tétiquette = 'total: ' + str(somme)\r\n"
    "\treturn (somme * (1 + TAUX),\r\n"
    "\t        étiquette)  # no final newline follows"
)


def test_every_mutant_changes_one_span_and_keeps_every_other_byte() -> None:
    spans = NodeSpans(PRESERVED, unit_node(PRESERVED, "total_ttc"))

    found = mutations(PRESERVED, "total_ttc")

    assert {mutant.operator for mutant in found} >= {
        "compare-swap",
        "arith-swap",
        "bool-swap",
        "negate",
        "drop-not",
        "off-by-one",
        "name-swap",
    }
    for mutant in found:
        spans.assert_single_span_edit(mutant)
        if mutant.operator not in (*STATEMENT_OPERATORS, "tuple-swap", "argument-swap"):
            # (Reordering items re-renders a multi-line tuple on one line.)
            assert mutant.source.count("\r\n") == PRESERVED.count("\r\n")
        assert "\n" not in mutant.source.replace("\r\n", "")
        assert mutant.source.endswith(")  # no final newline follows")


def test_a_multi_line_operand_keeps_its_comment_and_line_ending_when_its_operator_changes() -> None:
    found = mutations(PRESERVED, "total_ttc")

    expected = PRESERVED.replace("\t\t          * quantité)", "\t\t          // quantité)")
    assert expected in [mutant.source for mutant in found]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("return 0 ** b", "return (-1) ** b"),
        ("return a and b or c", "return (a or b) or c"),
        ("return (a or b) and c", "return (not (a or b)) and c"),
        ("return c and not (a or b)", "return c and (a or b)"),
        ("return a * 2 ** b", "return a * (2 + b)"),
    ],
)
def test_mutants_are_parenthesized_to_mean_what_their_description_says(
    line: str, expected: str
) -> None:
    source = f"def f(a, b, c):\n    {line}\n"

    sources = [mutant.source for mutant in mutations(source, "f")]

    assert f"def f(a, b, c):\n    {expected}\n" in sources


@pytest.mark.parametrize("module", [textwrap, bisect], ids=lambda module: module.__name__)
def test_every_mutant_of_a_stdlib_module_parses_and_changes_one_span(module: object) -> None:
    path = inspect.getsourcefile(module)  # type: ignore[arg-type]
    assert path is not None
    source = Path(path).read_text(encoding="utf-8")
    units = list(iter_units(ast.parse(source)))
    assert units

    total = 0
    for qualname, unit in units:
        found = mutations(source, qualname)
        total += len(found)
        spans = NodeSpans(source, unit)
        for mutant in found:
            spans.assert_single_span_edit(mutant)

    assert total > 100
