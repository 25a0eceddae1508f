"""Which candidate texts can be swapped into a running process as one function's code."""

from __future__ import annotations

import pytest

from pytest_selfheal._source.patches import changed_unit, is_function_swap

MODULE = '''\
import math


class Shape:
    sides = 0

    @staticmethod
    def area(r):  # circle
        return math.pi * r * r

    def name(self):
        return "shape"


def total(xs):
    s = 0
    for x in xs:
        s += x
    return s
'''


@pytest.mark.parametrize(("qualname", "old", "new"), [
    ("total", "s += x", "s -= x"),
    ("total", "    return s\n", "    if not xs:\n        return 0\n    return s\n"),
    ("Shape.area", "math.pi * r * r", "math.pi * r ** 2"),
    ("Shape.name", 'return "shape"', 'return "Shape"  # capitalised'),
])
def test_a_change_inside_the_body_is_a_swap_and_the_unit_parses_alone(qualname, old, new):
    candidate = MODULE.replace(old, new)
    unit = changed_unit(MODULE, candidate, qualname)
    assert unit is not None
    assert unit.name == qualname.rpartition(".")[2]
    assert is_function_swap(MODULE, candidate, qualname)


@pytest.mark.parametrize(("qualname", "edits"), [
    # A body edit that leaves the function: module-level code, or a new method.
    ("total", [("    return s\n", "    return s\nimport os\n")]),
    ("Shape.name", [('        return "shape"\n',
                     '        return "shape"\n\n    def size(self):\n        return 1\n')]),
    # The signature and the decorators are not the body.
    ("total", [("def total(xs):", "def total(xs, start=0):")]),
    ("Shape.area", [("    @staticmethod\n", "")]),
    # The body changes, and so does something else.
    ("total", [("s += x", "s -= x"), ("sides = 0", "sides = 1")]),
    ("Shape.area", [("r * r", "r ** 2"), ("import math", "import cmath as math")]),
])
def test_a_change_outside_the_body_is_no_swap(qualname, edits):
    candidate = MODULE
    for old, new in edits:
        candidate = candidate.replace(old, new)
    assert candidate != MODULE
    assert changed_unit(MODULE, candidate, qualname) is None
    assert not is_function_swap(MODULE, candidate, qualname)


def test_a_body_that_no_longer_parses_is_no_swap():
    candidate = MODULE.replace("s += x", "s += (x")
    assert changed_unit(MODULE, candidate, "total") is None
    assert not is_function_swap(MODULE, candidate, "total")
