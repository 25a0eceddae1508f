"""Which tests a candidate fix can change: those entering the function it edits."""

from __future__ import annotations

from shop_prices import PRICES as SHOP_PRICES

from pytest_selfheal._heal.affected import Entries
from pytest_selfheal._heal.localize import Spectrum
from pytest_selfheal.models import Candidate, FunctionRef

PRICES = SHOP_PRICES + '''

def make_rounder(digits):
    def rounder(value):
        return round(value, digits)
    return rounder
'''
PATH = "shop/prices.py"
FAILING = "tests/test_shop.py::test_discount_at_100"
TOTAL = "tests/test_shop.py::test_total"
DISCOUNT = "tests/test_shop.py::test_discount_over_100"
ROUND = "tests/test_shop.py::test_round"


def entries(noted: frozenset[str] = frozenset({PATH})) -> Entries:
    spectrum = Spectrum(
        coverage={ROUND: {PATH: [11, 12, 13, 14]}},
        failing=frozenset({FAILING}),
        passing=frozenset({TOTAL, DISCOUNT, ROUND}),
        reached={FAILING: [f"{PATH}::total", f"{PATH}::discounted"],
                 TOTAL: [f"{PATH}::total"],
                 DISCOUNT: [f"{PATH}::discounted"]},
        noted_files=noted)
    return Entries(spectrum, {PATH: PRICES}.__getitem__, frozenset({FAILING}))


def edit(qualname: str, old: str, new: str) -> Candidate:
    assert old in PRICES
    return Candidate(FunctionRef(PATH, qualname, 1, 1), PRICES.replace(old, new, 1),
                     "test", "test", 1)


def test_a_body_edit_leaves_out_the_measured_tests_that_never_entered_its_function():
    found = entries()
    assert found.unchanged_by(edit("discounted", "price > 100", "price >= 100")) == {
        TOTAL, ROUND}
    assert found.unchanged_by(edit("total", "sum(prices)", "sum(prices) + 0")) == {
        DISCOUNT, ROUND}


def test_a_test_whose_lines_ran_in_the_function_counts_as_entering_it():
    # test_round's lines of make_rounder were measured, its entries were not; the
    # failing test always runs, whatever it entered.
    assert entries().unchanged_by(edit("make_rounder", "return rounder",
                                       "return rounder or None")) == {TOTAL, DISCOUNT}


def test_every_test_runs_when_what_a_candidate_changes_is_not_its_function_alone():
    found = entries()
    # A closure made in one test may run in another, which never enters its maker.
    assert found.unchanged_by(edit("make_rounder", "round(value, digits)",
                                   "round(value, digits + 1)")) == set()
    # Beyond the body: the signature.
    assert found.unchanged_by(edit("discounted", "def discounted(price):",
                                   "def discounted(price, rate=0.9):")) == set()
    # Module-level code.
    assert found.unchanged_by(edit("total", "def total(", "RATE = 1\n\n\ndef total(")) == set()
    # Another file besides.
    other = edit("total", "sum(prices)", "sum(prices) + 0")
    assert found.unchanged_by(Candidate(other.function, other.source, "test", "test", 1,
                                        others=(("shop/tax.py", "RATE = 1\n"),))) == set()


def test_every_test_runs_when_the_files_entries_were_not_noted():
    assert entries(noted=frozenset()).unchanged_by(
        edit("discounted", "price > 100", "price >= 100")) == set()
