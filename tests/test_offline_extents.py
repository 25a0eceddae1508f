"""Operators on how far code goes: missing slices, loops with no condition, and a
comparison wrong in its operator and its bound at once."""

from __future__ import annotations

import ast

import pytest

from pytest_selfheal.engines._offline import mutations


def offered(source: str, operator: str, qualname: str = "f") -> list[str]:
    found = [m for m in mutations(source, qualname) if m.operator == operator]
    for mutant in found:
        ast.parse(mutant.source)
    return [mutant.source for mutant in found]


@pytest.mark.parametrize(
    ("buggy", "fixed"),
    [
        ("for x in xs:\n        out.append(x)", "for x in xs[1:]:\n        out.append(x)"),
        ("return [x for x in xs if x]", "return [x for x in xs[1:] if x]"),
        ("return f(a, b, xs, out) + 1", "return f(a, b, xs[1:], out) + 1"),
        ("return f(a, b, xs, out) + 1", "return f(a, b, xs[:-1], out) + 1"),
        ("return list(zip(xs, xs))", "return list(zip(xs, xs[1:]))"),
        ("return sum(xs[1:])", "return sum(xs[1:-1])"),
    ],
)
def test_a_walked_sequence_gets_the_slice_it_lacks(buggy: str, fixed: str) -> None:
    template = "def f(a, b, xs, out):\n    {}\n"

    assert template.format(fixed) in offered(template.format(buggy), "add-slice")


def test_an_integer_the_function_has_becomes_the_start_of_the_slice() -> None:
    # `skip` is never read: the bug left it out, and it is offered as the bound.
    source = "def total(values, skip):\n    return sum(v for v in values)\n"

    found = offered(source, "add-slice", "total")

    assert source.replace("in values", "in values[skip:]") in found
    assert not any("skip[" in text for text in found)


def test_numbers_and_dicts_are_never_sliced() -> None:
    source = ("def f(xs):\n    n = len(xs)\n    seen = {}\n    for i in range(n):\n"
              "        seen[i] = 1\n    return sorted(seen)\n")

    found = offered(source, "add-slice")

    assert not any("n[" in text or "seen[1" in text for text in found)


def test_a_loop_with_no_condition_stops_when_what_it_consumes_is_empty() -> None:
    source = (
        "def drain(jobs):\n"
        "    pending = list(jobs)\n"
        "    done = [j for j in jobs]\n"
        "    while True:\n"
        "        job = pending.pop()\n"
        "        done.append(job)\n"
        "    late = []\n"
        "    return done + late\n"
    )

    found = offered(source, "loop-condition", "drain")

    assert source.replace("while True", "while pending") in found
    # A comprehension's target and a variable bound after the loop are not in scope.
    assert not any(f"while {name}" in text for text in found for name in ("j", "late"))


def test_two_collections_the_loop_reads_give_a_conjunction() -> None:
    source = (
        "def merge(left, right):\n"
        "    out = []\n"
        "    while True:\n"
        "        if right[0] < left[0]:\n"
        "            out.append(right.pop(0))\n"
        "        else:\n"
        "            out.append(left.pop(0))\n"
        "    return out + left + right\n"
    )

    found = offered(source, "loop-condition", "merge")

    assert source.replace("while True", "while right and left") in found


def test_a_loop_that_counts_down_stops_at_zero() -> None:
    source = ("def digits(n):\n    count = 0\n    while True:\n        n //= 10\n"
              "        count += 1\n")

    found = offered(source, "loop-condition", "digits")

    assert source.replace("while True", "while n > 0") in found
    assert not any("while count" in text for text in found)


def test_a_comparison_with_a_literal_changes_operator_and_bound_together() -> None:
    source = "def f(n):\n    if n == 0:\n        return 0\n    return f(n - 1) + 1\n"

    found = offered(source, "compare-shift")

    assert source.replace("n == 0", "n <= 1") in found
    assert source.replace("n == 0", "n < 1") in found
    assert source not in found
