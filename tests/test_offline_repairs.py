"""The repair operators beyond token swaps: each offers the fix of a bug people write."""

from __future__ import annotations

import ast

import pytest

from pytest_selfheal.engines._offline import OPERATORS, mutations


def offered(source: str, qualname: str, operator: str) -> list[str]:
    found = [m for m in mutations(source, qualname) if m.operator == operator]
    for mutant in found:
        ast.parse(mutant.source)
    return [mutant.source for mutant in found]


@pytest.mark.parametrize(
    ("operator", "buggy", "fixed"),
    [
        ("call-swap", "return any(a <= b for a, b in zip(xs, xs[1:]))",
         "return all(a <= b for a, b in zip(xs, xs[1:]))"),
        ("call-swap", "return min(xs)", "return max(xs)"),
        ("method-swap", "out.append(xs)", "out.extend(xs)"),
        ("argument-swap", "return xs.replace('\\n', '\\r\\n')",
         "return xs.replace('\\r\\n', '\\n')"),
        ("tuple-swap", "a, b = a + b, b", "a, b = b, a + b"),
        ("unwrap-call", "return sorted(out)", "return out"),
        ("wrap-call", "return a - b", "return abs(a - b)"),
        ("jump-swap", "for x in xs:\n        break", "for x in xs:\n        continue"),
        ("keep-best", "for x in xs:\n        out[x] = a + 1",
         "for x in xs:\n        out[x] = max(out[x], a + 1)"),
        ("count-shift", "return len(xs) + a", "return len(xs) - 1 + a"),
    ],
)
def test_each_operator_offers_the_fix_of_its_kind_of_bug(
    operator: str, buggy: str, fixed: str
) -> None:
    template = "def f(a, b, xs, out):\n    {}\n"

    assert template.format(fixed) in offered(template.format(buggy), "f", operator)


def test_a_condition_is_narrowed_with_a_none_guard_built_from_its_own_names() -> None:
    source = "def f(node, value):\n    while node.value != value:\n        node = node.next\n"

    found = offered(source, "f", "condition-clause")

    assert source.replace("while node.value", "while node is not None and node.value") in found
    assert source.replace("while node.value", "while value and node.value") in found


def test_a_guard_returns_a_value_the_function_already_returns_or_its_opposite() -> None:
    source = (
        "def contains(node, key):\n"
        "    if key == node.key:\n"
        "        return True\n"
        "    return contains(node.left, key)\n"
    )

    found = offered(source, "contains", "insert-guard")

    guarded = source.replace("    if key ==", "    if node is None:\n        return False\n"
                             "    if key ==")
    assert guarded in found
    assert all("return contains" not in m.split("\n")[2] for m in found)


def test_a_statement_is_deleted_as_whole_lines_and_never_empties_a_block() -> None:
    source = (
        "def f(xs):\n    xs.sort()  # in place\n    return xs[0]\n\n\n"
        "def g(xs):\n    xs.sort()\n"
    )

    assert offered(source, "f", "delete-statement") == [
        "def f(xs):\n    return xs[0]\n\n\ndef g(xs):\n    xs.sort()\n"
    ]
    assert offered(source, "g", "delete-statement") == []


def test_an_ingredient_is_copied_only_where_every_name_it_reads_is_bound() -> None:
    source = (
        "class Cache:\n"
        "    def get(self, key):\n"
        "        if key not in self.data:\n"
        "            return None\n"
        "        return self.data[key]\n"
        "\n"
        "    def put(self, key, value):\n"
        "        self.data[key] = value\n"
        "        self.data.move_to_end(key)\n"
        "        self.log.append(value)\n"
    )

    found = offered(source, "Cache.get", "copy-statement")

    assert source.replace("        return self.data[key]",
                          "        self.data.move_to_end(key)\n        return self.data[key]"
                          ) in found
    # `value` is not a name of `get`: copying `self.log.append(value)` would only NameError.
    assert not [m for m in found if m.count("self.log.append(value)") > 1]


def test_a_returned_bool_can_become_a_truth_test_of_a_variable() -> None:
    source = (
        "def f(text):\n    stack = []\n    for ch in text:\n        stack.append(ch)\n"
        "    return True\n"
    )

    assert source.replace("return True", "return not stack") in offered(source, "f", "return-swap")


def test_attributes_are_swapped_for_others_the_class_uses_on_the_same_object() -> None:
    source = (
        "class Grid:\n"
        "    def __init__(self, rows, cols):\n"
        "        self.rows = rows\n"
        "        self.cols = cols\n"
        "\n"
        "    def inside(self, r, c):\n"
        "        return 0 <= r < self.rows and 0 <= c < self.rows\n"
    )

    found = offered(source, "Grid.inside", "attribute-swap")

    assert source.replace("c < self.rows", "c < self.cols") in found


def test_there_are_at_least_twenty_operators() -> None:
    assert len(OPERATORS) >= 20


def test_a_range_check_chain_only_has_its_bounds_strictness_toggled() -> None:
    source = "def inside(c, cols):\n    return 0 <= c < cols\n"

    found = offered(source, "inside", "compare-swap")

    assert sorted(found) == sorted([
        source.replace("0 <= c", "0 < c"),
        source.replace("c < cols", "c <= cols"),
    ])


def test_parameters_annotated_with_different_types_are_not_swapped() -> None:
    source = (
        "def cut(text: str, width: int, fill: str):\n"
        "    return text[:width] + fill\n"
    )

    found = offered(source, "cut", "name-swap")

    assert source.replace("+ fill", "+ text") in found
    assert not [m for m in found if "text[:text]" in m or "text[:fill]" in m]


def test_a_count_is_never_unwrapped_into_the_sequence_it_counts() -> None:
    source = "def f(xs, n):\n    return sorted(xs)[:len(xs) - n]\n"

    found = offered(source, "f", "unwrap-call")

    assert found == [source.replace("sorted(xs)", "xs")]


def test_locals_whose_values_are_plainly_of_different_kinds_are_not_swapped() -> None:
    source = (
        "def label(name, xs):\n"
        "    count = len(xs)\n"
        "    title = name.strip()\n"
        "    return title * count\n"
    )

    found = offered(source, "label", "name-swap")

    assert source.replace("title * count", "name * count") in found
    assert source.replace("title * count", "title * xs") in found  # xs: unknown kind
    assert source.replace("title * count", "count * count") not in found
    assert source.replace("title * count", "title * title") not in found


def test_the_first_binding_of_a_variable_that_is_read_later_is_never_deleted() -> None:
    source = "def f(xs):\n    total = 0\n    total = sum(xs)\n    return total\n"

    assert offered(source, "f", "delete-statement") == [
        "def f(xs):\n    total = 0\n    return total\n"
    ]


def test_a_name_plainly_holding_a_value_gets_no_is_not_none_clause() -> None:
    source = "def f(xs, limit):\n    n = len(xs)\n    if n > limit:\n        return n\n"

    found = offered(source, "f", "condition-clause")

    assert source.replace("if n > limit", "if limit is not None and n > limit") in found
    assert source.replace("if n > limit", "if n is not None and n > limit") not in found
