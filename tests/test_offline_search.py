"""The offline search: learned operator rates, pairs from partial fixes, held-out tests."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_selfheal._heal.selection import hold_out
from pytest_selfheal.engines._offline import OfflineEngine
from pytest_selfheal.engines._offline.rates import FILENAME, OperatorRates
from pytest_selfheal.engines._offline.search import pairs
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.models import Candidate, Failure, FunctionRef, Suspect, Verdict

SOURCE = '''\
def clamp(value, low, high):
    if value < low:
        return low
    if value > high:
        return high
    return value + 0
'''


def task_for(source: str = SOURCE) -> RepairTask:
    function = FunctionRef("pkg/numbers.py", "clamp", 1, 6)
    failure = Failure("tests/test_numbers.py::test_clamp", "call", "AssertionError", "", "")
    return RepairTask(failure=failure, suspects=(Suspect(function, 1.0, "coverage"),),
                      sources={"pkg/numbers.py": source})


def verdict(candidate: Candidate, tests_passed: int = 0) -> Verdict:
    return Verdict(candidate, False, "tests/test_numbers.py::test_clamp failed",
                   tests_passed, 3, 0.01)


def test_operators_that_fixed_this_project_before_are_tried_first(tmp_path: Path) -> None:
    fresh = OfflineEngine(root=tmp_path).propose(task_for(), [])
    assert fresh[0].operator != "name-swap"

    learned = OperatorRates(tmp_path, {})
    for _ in range(200):
        learned.record(["name-swap"], "name-swap")
    learned.save()

    # A new engine, as in the next pytest run, reads what the last one learned.
    ordered = OfflineEngine(root=tmp_path).propose(task_for(), [])
    assert ordered[0].operator == "name-swap"
    assert sorted(c.source for c in ordered) == sorted(c.source for c in fresh)


def test_rates_are_kept_in_one_git_ignored_json_file(tmp_path: Path) -> None:
    state = tmp_path / ".selfheal"
    rates = OperatorRates(tmp_path, {"compare-swap": 1.0})
    before = rates.rate("compare-swap")

    rates.record(["compare-swap", "compare-swap", "off-by-one"], "compare-swap")
    rates.save()

    data = json.loads((state / FILENAME).read_text())
    assert data["operators"]["compare-swap"] == {"tried": 2, "won": 1}
    assert data["operators"]["off-by-one"] == {"tried": 1, "won": 0}
    assert "*" in (state / ".gitignore").read_text().splitlines()
    assert OperatorRates(tmp_path, {"compare-swap": 1.0}).rate("compare-swap") > before


def test_a_damaged_rates_file_is_ignored_and_rewritten(tmp_path: Path) -> None:
    state = tmp_path / ".selfheal"
    state.mkdir()
    (state / FILENAME).write_text("{not json")

    rates = OperatorRates(tmp_path, {"negate": 0.7})
    assert rates.rate("negate") == OperatorRates(None, {"negate": 0.7}).rate("negate")
    rates.record(["negate"], None)
    rates.save()

    assert json.loads((state / FILENAME).read_text())["operators"] == {
        "negate": {"tried": 1, "won": 0}}


def test_a_partial_fix_is_combined_with_another_edit_into_the_two_edit_fix() -> None:
    two_bugs = SOURCE.replace("value > high", "value < high")
    engine = OfflineEngine()
    task = task_for(two_bugs)
    singles = engine.propose(task, [])
    partial = next(c for c in singles
                   if c.source == two_bugs.replace("value + 0", "value + 1"))
    feedback = [verdict(c, tests_passed=1 if c is partial else 0) for c in singles]

    second = engine.propose(task, feedback)

    assert second, "a partial fix must open a second round"
    assert all(c.operator.count("+") == 1 for c in second)
    wanted = two_bugs.replace("value < high", "value > high").replace("value + 0", "value + 1")
    assert wanted in [c.source for c in second]
    assert engine.propose(task, [*feedback, *(verdict(c) for c in second)]) == []


def test_without_a_partial_fix_there_is_no_round_of_blind_pairs() -> None:
    engine = OfflineEngine()
    task = task_for()
    singles = engine.propose(task, [])

    assert engine.propose(task, [verdict(c) for c in singles]) == []


def test_pairs_are_new_and_only_of_edits_that_were_tried_and_failed() -> None:
    task = task_for()
    singles = OfflineEngine().propose(task, [])
    by_line = {c.lineno: c for c in reversed(singles)}
    tried = [by_line[line] for line in sorted(by_line)][:4]
    feedback = [verdict(tried[0], tests_passed=1), *(verdict(c) for c in tried[1:])]

    found = pairs(dict(task.sources), singles, feedback, set())

    descriptions = {c.description for c in tried}
    assert found
    for candidate in found:
        first, second = candidate.description.split("; and ")
        assert {first, second} <= descriptions
    assert len({c.source for c in found}) == len(found)


def test_the_failing_test_is_always_searched_and_a_third_of_the_others_held_out() -> None:
    failing = "t.py::test_fails"
    others = [f"t.py::test_{n}" for n in range(6)]
    expected = {failing: "passed", **dict.fromkeys(others, "passed")}

    searched, held = hold_out(expected)

    assert next(iter(searched)) == failing
    assert len(held) == 2
    assert set(searched) | set(held) == set(expected)
    assert not set(searched) & set(held)


def test_nothing_is_held_out_when_no_other_test_covers_the_function() -> None:
    assert hold_out({"t.py::test_fails": "passed"}) == ({"t.py::test_fails": "passed"}, {})
    searched, held = hold_out({"t.py::test_fails": "passed", "t.py::test_a": "passed",
                               "t.py::test_b": "skipped"})
    assert held == {"t.py::test_b": "skipped"}
    assert searched == {"t.py::test_fails": "passed", "t.py::test_a": "passed"}
