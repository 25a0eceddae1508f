"""Mutation operators: which single edits of a function the offline engine tries."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from pytest_selfheal._source.patches import find_unit
from pytest_selfheal.engines._offline import OPERATORS, Edit, Mutation, Unit, mutations
from pytest_selfheal.errors import SourceError

CART = '''\
import functools


def logged(function):
    return function


class Cart:
    """A shopping cart."""

    def __init__(self, prices: list[int], limit: int = 100) -> None:
        self.prices = prices
        self.limit = limit

    @logged
    def total(self, discount: int = 0, *, label: str = "total") -> int:
        """Sum the prices, at most 1 + limit."""
        total = 0
        for price in self.prices:
            total += price
        if total > self.limit and discount is not None:
            total = self.limit
        return total - discount

    def describe(self, currency):
        text = "Cart: " + currency + str(len(self.prices))
        return "%d items" % len(self.prices) + text

    class Line:
        def cost(self, quantity, unit_price):
            return quantity * unit_price
'''


def sources(found: list[Mutation], operator: str | None = None) -> list[str]:
    return [mutant.source for mutant in found if operator is None or mutant.operator == operator]


def with_line(old: str, new: str, source: str = CART) -> str:
    assert source.count(old) == 1, old
    return source.replace(old, new)


def function_source(*body: str) -> str:
    """A function ``f(a, b, items)`` whose body is the given lines."""
    return "def f(a, b, items):\n" + "".join(f"    {line}\n" for line in body)


def test_comparison_operators_are_swapped_within_their_family() -> None:
    found = sources(mutations(CART, "Cart.total"), "compare-swap")

    for new in ("<", "<=", ">=", "==", "!="):
        assert with_line("if total > self.limit", f"if total {new} self.limit") in found
    assert with_line("discount is not None", "discount is None") in found
    assert with_line("discount is not None", "discount != None") in found
    assert with_line("if total > self.limit", "if total is self.limit") not in found


def test_a_bound_off_by_its_strictness_is_tried_before_other_comparisons() -> None:
    # Equally likely edits are tried in this order and the first to pass wins: `<=` for
    # `>` passes any test that only checks the boundary, and is rarely the fix.
    for old, nearest in (("a > b", "a >= b"), ("a <= b", "a < b")):
        source = function_source(f"return {old}")

        found = sources(mutations(source, "f"), "compare-swap")

        assert found[0] == source.replace(old, nearest)


def test_equality_becomes_identity_only_against_none_true_or_false() -> None:
    source = function_source("return a == None or a != b or b in items or a == True")

    found = sources(mutations(source, "f"), "compare-swap")

    assert source.replace("a == None", "a is None") in found
    assert source.replace("a == True", "a is True") in found
    assert source.replace("a != b", "a is not b") not in found
    assert source.replace("b in items", "b not in items") in found
    # Ordering against None can only raise TypeError.
    assert source.replace("a == None", "a < None") not in found


def test_each_operator_of_a_comparison_chain_is_swapped_separately() -> None:
    source = function_source("return a < b <= items")

    found = sources(mutations(source, "f"), "compare-swap")

    assert source.replace("a < b <= items", "a <= b <= items") in found
    assert source.replace("a < b <= items", "a < b < items") in found


def test_arithmetic_operators_are_swapped_in_expressions_and_augmented_assignments() -> None:
    found = sources(mutations(CART, "Cart.total"), "arith-swap")

    assert with_line("total += price", "total -= price") in found
    assert with_line("total += price", "total **= price") in found
    assert with_line("return total - discount", "return total + discount") in found
    assert with_line("return total - discount", "return total // discount") in found


def test_string_concatenation_and_formatting_are_not_arithmetic_swapped() -> None:
    found = mutations(CART, "Cart.describe")

    assert not [mutant for mutant in found if mutant.operator == "arith-swap"]


def test_and_and_or_are_swapped() -> None:
    found = sources(mutations(CART, "Cart.total"), "bool-swap")

    assert found == [
        with_line(
            "if total > self.limit and discount is not None",
            "if total > self.limit or discount is not None",
        )
    ]


def test_tests_and_boolean_operands_are_negated_and_existing_nots_dropped() -> None:
    source = function_source(
        "while a and not b:",
        "    a = a - 1 if a > 0 else b",
        "return [item for item in items if item > a]",
    )

    found = mutations(source, "f")

    negated = sources(found, "negate")
    assert source.replace("while a and not b:", "while not (a and not b):") in negated
    assert source.replace("while a and not b:", "while not a and not b:") in negated
    assert source.replace("a - 1 if a > 0 else b", "a - 1 if not a > 0 else b") in negated
    assert source.replace("if item > a]", "if not item > a]") in negated
    assert source.replace("not b", "not not b") not in negated
    assert sources(found, "drop-not") == [source.replace("while a and not b:", "while a and b:")]


def test_a_single_equality_test_is_not_negated_because_its_swap_says_the_same() -> None:
    source = function_source("if a == b:", "    return a")

    found = sources(mutations(source, "f"), "negate")

    assert source.replace("if a == b:", "if not a == b:") not in found


def test_off_by_one_shifts_literals_indexes_slice_bounds_and_range_arguments() -> None:
    source = function_source(
        "for i in range(len(items) - 1):",
        "    a = items[i] + items[0]",
        "return items[b:]",
    )

    found = sources(mutations(source, "f"), "off-by-one")

    assert source.replace("range(len(items) - 1)", "range(len(items))") in found
    assert source.replace("range(len(items) - 1)", "range(len(items) - 2)") in found
    assert source.replace("items[i]", "items[i + 1]") in found
    assert source.replace("items[i]", "items[i - 1]") in found
    assert source.replace("items[0]", "items[1]") in found
    assert source.replace("items[0]", "items[-1]") in found
    assert source.replace("items[b:]", "items[b + 1:]") in found
    # Only existing bounds move; `len(items) - 1 + 1` is written `len(items)`.
    assert source.replace("items[b:]", "items[b:1]") not in found
    assert not [text for text in found if "- 1 + 1" in text]


def test_a_step_shifted_to_nothing_is_dropped_not_written_as_zero() -> None:
    # networkx's Stoer-Wagner fix was committed as `islice(contractions, best_phase + 0)`:
    # right, but not what anyone would write or review.
    source = function_source("return islice(items, last + 1), first - 1")

    found = sources(mutations(source, "f"), "off-by-one")

    assert sorted(found) == sorted([
        source.replace("last + 1", "last"), source.replace("last + 1", "last + 2"),
        source.replace("first - 1", "first"), source.replace("first - 1", "first - 2")])


def test_off_by_one_treats_a_negative_literal_as_one_number() -> None:
    source = function_source("return items[-1]")

    found = sources(mutations(source, "f"), "off-by-one")

    assert found == [source.replace("[-1]", "[0]"), source.replace("[-1]", "[-2]")]


def test_bools_are_not_shifted_as_integers() -> None:
    source = function_source("return True")

    assert sources(mutations(source, "f"), "off-by-one") == []


def test_name_swap_reads_another_parameter_or_earlier_local() -> None:
    found = sources(mutations(CART, "Cart.total"), "name-swap")

    assert with_line("return total - discount", "return discount - discount") in found
    assert with_line("return total - discount", "return total - total") in found
    assert with_line("return total - discount", "return total - price") in found


def test_name_swap_never_moves_self_and_never_writes() -> None:
    found = mutations(CART, "Cart.total")

    swaps = [mutant.description for mutant in found if mutant.operator == "name-swap"]
    assert swaps
    assert not [swap for swap in swaps if "`self`" in swap]
    for mutant in found:
        if mutant.operator in ("delete-statement", "keep-best", "copy-statement"):
            continue  # they change statements, and so what is stored, by design
        unit = find_unit(ast.parse(mutant.source), "Cart.total")
        stored = [
            node.id
            for node in ast.walk(unit)
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
        ]
        assert stored == ["total", "price", "total", "total"], mutant.description


def test_name_swap_only_uses_names_bound_before_the_read() -> None:
    source = function_source("first = a", "second = b + first", "return second")

    found = sources(mutations(source, "f"), "name-swap")

    assert source.replace("first = a", "first = b") in found
    assert source.replace("first = a", "first = second") not in found
    assert source.replace("b + first", "second + first") not in found
    assert source.replace("return second", "return first") in found


def test_comprehension_targets_are_swap_partners_only_inside_their_comprehension() -> None:
    source = function_source("squares = [x * a for x in items]", "return squares")

    found = sources(mutations(source, "f"), "name-swap")

    assert source.replace("x * a", "x * x") in found
    assert source.replace("return squares", "return x") not in found


def test_a_called_name_is_only_swapped_for_another_known_callable() -> None:
    source = function_source(
        "def double(v):",
        "    return v * 2",
        "half = lambda v: v / 2",
        "return a(b) + double(b)",
    )

    found = sources(mutations(source, "f"), "name-swap")

    assert source.replace("double(b)", "half(b)") in found
    assert source.replace("a(b)", "half(b)") in found
    assert source.replace("a(b)", "items(b)") not in found
    assert source.replace("double(b)", "a(b)") not in found
    assert source.replace("+ double(b)", "+ double(half)") not in found


def test_signature_decorators_and_docstrings_are_never_mutated() -> None:
    original_lines = CART.splitlines()
    protected = [
        index
        for index, line in enumerate(original_lines)
        if line.strip().startswith(("@logged", "def total", '"""Sum'))
    ]
    assert len(protected) == 3

    for mutant in mutations(CART, "Cart.total"):
        lines = mutant.source.splitlines()
        assert [lines[index] for index in protected] == [
            original_lines[index] for index in protected
        ], mutant.description


def test_annotations_in_the_body_are_never_mutated() -> None:
    source = function_source("n: Annotated[int, 3] = a", "return n")

    found = mutations(source, "f")

    assert found
    assert all("n: Annotated[int, 3] = " in mutant.source for mutant in found)


def test_nested_functions_and_lambdas_are_part_of_the_body() -> None:
    source = function_source("def inner(v):", "    return v + a", "return inner(b)")

    found = sources(mutations(source, "f"), "arith-swap")

    assert source.replace("v + a", "v - a") in found


def test_lines_restrict_mutants_to_the_executed_lines() -> None:
    found = mutations(CART, "Cart.total", lines={21})

    assert found
    assert {mutant.lineno for mutant in found} == {21}
    assert all(mutant.description.startswith("line 21: ") for mutant in found)


def test_no_two_mutants_make_the_same_function_and_none_is_the_original() -> None:
    source = function_source("return items[a - 1]")

    found = mutations(source, "f")

    dumps = [ast.dump(find_unit(ast.parse(mutant.source), "f")) for mutant in found]
    assert len(dumps) == len(set(dumps))
    assert ast.dump(find_unit(ast.parse(source), "f")) not in dumps
    # `a - 1 - 1` by index shift and `a - 2` by literal shift are the same mutant.
    assert sources(found).count(source.replace("a - 1", "a - 2")) == 1


def test_mutants_are_in_source_order_and_the_same_every_time() -> None:
    found = mutations(CART, "Cart.total")

    assert [mutant.lineno for mutant in found] == sorted(mutant.lineno for mutant in found)
    assert mutations(CART, "Cart.total") == found


def test_a_mutant_names_its_operator_line_and_change() -> None:
    found = mutations(CART, "Cart.total", lines={21})

    assert (
        Mutation(
            operator="compare-swap",
            description="line 21: `total > self.limit` -> `total >= self.limit`",
            lineno=21,
            source=with_line("if total > self.limit", "if total >= self.limit"),
        )
        in found
    )


def test_methods_of_nested_classes_are_found_by_qualname() -> None:
    found = sources(mutations(CART, "Cart.Line.cost"), "arith-swap")

    assert with_line("return quantity * unit_price", "return quantity + unit_price") in found


def test_a_missing_function_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"Cart\.missing"):
        mutations(CART, "Cart.missing")


def test_a_module_that_does_not_parse_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="cannot parse"):
        mutations("def f(:\n", "f")


def test_a_registered_operator_adds_its_mutants(monkeypatch: pytest.MonkeyPatch) -> None:
    def to_zero(unit: Unit) -> Iterator[Edit]:
        for node in unit.nodes:
            if isinstance(node, ast.Return) and node.value is not None:
                yield Edit(node.value, ast.Constant(0))

    monkeypatch.setitem(OPERATORS, "return-zero", to_zero)

    found = mutations(CART, "Cart.total")

    zeroed = [mutant for mutant in found if mutant.operator == "return-zero"]
    assert [mutant.source for mutant in zeroed] == [
        with_line("return total - discount", "return 0")
    ]
    assert zeroed[0].description == "line 23: `total - discount` -> `0`"


def test_a_long_change_is_described_on_one_short_line() -> None:
    source = function_source(
        "return some_function(a, b) + another_function(items, a) * third_function(b) - a"
    )

    found = mutations(source, "f")

    assert found
    for mutant in found:
        assert "\n" not in mutant.description
        assert len(mutant.description) < 150, mutant.description
    assert "line 2: `...ird_function(b) - a` -> `...ird_function(b) + a`" in [
        mutant.description for mutant in found
    ]
