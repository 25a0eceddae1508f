"""Fix commit messages: `git log` alone explains the change."""

from __future__ import annotations

import pytest

from pytest_selfheal._vcs import commit_messages as commits
from pytest_selfheal.models import Candidate, Failure, Fitness, FunctionRef

CANDIDATE = Candidate(FunctionRef("src/shop/cart.py", "Cart.total", 10, 14), "...", "swap",
                      "line 12: `-` -> `+`", 12)


def message(*failures: Failure, speedup: float | None = None, model: str | None = None) -> str:
    return commits.fix_message(list(failures), commits.FixFacts(
        CANDIDATE, "src/shop/cart.py", fitness=Fitness(1.0, 7, 7, 0.002, 0.004, speedup),
        candidates_evaluated=12, lines_changed=2, run_id="20240101-120000", engine="refine",
        model=model))


def failure(name: str) -> Failure:
    return Failure(f"tests/test_cart.py::{name}", "call", "AssertionError",
                   "assert 9 == 11\nmore detail", "")


@pytest.mark.parametrize(("relpath", "module"), [
    ("src/shop/cart.py", "shop.cart"), ("lib/shop/__init__.py", "shop"), ("calc.py", "calc"),
])
def test_the_subject_names_the_module_as_it_is_imported(relpath: str, module: str) -> None:
    assert commits.module_name(relpath) == module


def test_the_message_explains_the_fix_and_ends_with_trailers() -> None:
    text = message(failure("test_total"), failure("test_total_empty"), speedup=2.0,
                   model="gpt-4o-mini")
    subject, blank, *body = text.splitlines()

    assert subject == "fix(shop.cart): heal test_total"
    assert blank == ""
    assert "  tests/test_cart.py::test_total failed with AssertionError: assert 9 == 11" in body
    assert "  tests/test_cart.py::test_total_empty failed with AssertionError: assert 9 == 11" \
        in body
    assert "Root cause: in Cart.total (src/shop/cart.py), line 12: `-` -> `+`." in body
    assert "Engine: refine, model: gpt-4o-mini; 12 candidates evaluated." in body
    assert "Fitness: 7 of 7 tests that exercise the changed function pass, verified in a " \
        "fresh process." in body
    assert "Speedup: 2.00x the original's speed on those tests." in body
    assert body[-7:] == [
        "", "Selfheal-Run: 20240101-120000", "Selfheal-Engine: refine",
        "Selfheal-Model: gpt-4o-mini", "Selfheal-Test: tests/test_cart.py::test_total",
        "Selfheal-Test: tests/test_cart.py::test_total_empty",
        "Selfheal-Function: src/shop/cart.py::Cart.total"]


def test_without_a_measured_speedup_or_a_model_the_message_says_none() -> None:
    text = message(failure("test_total"))

    assert "Speedup" not in text
    assert "Selfheal-Model: none\n" in text
    assert "Engine: refine, model: none; 12 candidates evaluated." in text
