"""The evidence a fix's label and rank rest on: changed lines and the held-out tests
that run them, anti-patterns, inputs made from the tests' arguments, and the test to
paste when passing fixes disagree."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pytest_selfheal._evaluate.antipatterns import anti_patterns
from pytest_selfheal._evaluate.inputs import annotated_types, generate
from pytest_selfheal._heal.distinguish import call_text, disagreement, paste_test
from pytest_selfheal._heal.trust import (
    assess,
    changed_hunks,
    compare,
    confirming_tests,
    hangs_near,
    nearby_inputs,
    rank_key,
    same_result,
)
from pytest_selfheal._vcs import commit_messages as commits
from pytest_selfheal.models import (
    Behaviour,
    Candidate,
    Failure,
    Fitness,
    FunctionRef,
    Signals,
    TestRun,
)

SPIRAL = '''\
def bounds(rows, cols):
    top, left = 0, 0
    bottom = rows - 1
    right = cols
    return top, left, bottom, right
'''
STREAK = '''\
def longest(values):
    best = run = 1
    for prev, cur in zip(values, values[1:]):
        if cur > prev:
            run += 1
        else:
            best = max(best, run)
            run = 0
    return max(best, run)
'''
CYCLE = '''\
def has_cycle(head):
    slow = fast = head
    while fast is not None and fast.next is not None:
        slow = slow.next
        fast = fast.next.next
        if slow is fast:
            return True
    return False
'''
SEARCH = '''\
def find(items, lo, hi, target):
    if lo > hi:
        return -1
    mid = (lo + hi) // 2
    if items[mid] < target:
        return find(items, mid + 1, hi, target)
    return mid
'''
NEAR = '''\
def within(points, center, radius):
    return [point for point in points if dist(point, center) <= radius]
'''
FUNCTION = FunctionRef("src/calc.py", "add", 1, 2)


def edited(source: str, old: str, new: str) -> str:
    assert old in source
    return source.replace(old, new, 1)


@pytest.mark.parametrize(("source", "old", "new", "said"), [
    (SPIRAL, "right = cols", "right = bottom",
     "it makes `bottom` stand where `cols` was, so two distinct variables become the same"),
    (CYCLE, "if slow is fast", "if slow is slow",
     "it makes `slow` stand where `fast` was, so two distinct variables become the same"),
    (STREAK, "            run = 0\n", "",
     "it deletes `run = 0`, a statement that does something"),
    (SEARCH, "find(items, mid + 1, hi, target)", "find(items, hi, mid + 1, target)",
     "it swaps the arguments of the recursive call `find(items, hi, mid + 1, target)`"),
    (NEAR, "dist(point, center)", "dist(center, center)",
     "it makes `center` stand where `point` was, so two distinct variables become the same"),
])
def test_edits_that_fit_tests_more_often_than_they_fix_bugs_are_named(
        source: str, old: str, new: str, said: str) -> None:
    qualname = ast.parse(source).body[0].name  # type: ignore[attr-defined]
    assert anti_patterns(source, edited(source, old, new), qualname) == [said]


@pytest.mark.parametrize(("source", "old", "new"), [
    (SPIRAL, "right = cols", "right = cols - 1"),
    (STREAK, "run = 0", "run = 1"),
    (STREAK, "if cur > prev", "if cur >= prev"),
    (SEARCH, "mid + 1, hi", "mid + 1, hi - 1"),
    # The fix of a wrong variable: the name it brings is used elsewhere in the statement,
    # and it makes two arguments that were the same distinct.
    (NEAR.replace("dist(point, center)", "dist(center, center)"), "dist(center, center)",
     "dist(point, center)"),
])
def test_ordinary_edits_are_no_anti_pattern(source: str, old: str, new: str) -> None:
    qualname = ast.parse(source).body[0].name  # type: ignore[attr-defined]
    assert anti_patterns(source, edited(source, old, new), qualname) == []


def test_changed_lines_are_those_of_the_original_an_insertion_the_line_it_precedes() -> None:
    assert changed_hunks(STREAK, edited(STREAK, "run = 0", "run = 1")) == [frozenset({8})]
    guarded = edited(STREAK, "    best = run",
                     "    if not values:\n        return 0\n    best = run")
    assert changed_hunks(STREAK, guarded) == [frozenset({2})]
    both = edited(edited(STREAK, "run = 0", "run = 1"), "best = run = 1", "best = run = 0")
    assert changed_hunks(STREAK, both) == [frozenset({2}), frozenset({8})]


def test_only_held_out_tests_that_run_every_change_confirm_a_fix() -> None:
    coverage = {"t::runs_both": {"m.py": {2, 3, 8}}, "t::runs_one": {"m.py": {2, 3}},
                "t::other_file": {"n.py": {2, 8}}}
    hunks = [frozenset({2}), frozenset({8})]
    assert confirming_tests(coverage, hunks, "m.py", coverage) == ["t::runs_both"]


def test_verified_needs_two_confirmations_and_no_doubt() -> None:
    clean = Signals("line 2: `a` -> `b`", measured=True)
    assert assess(["a", "b", "c"], ["a", "b"], [clean], None, FUNCTION).label == "verified"
    one = assess(["a", "b", "c"], ["a"], [clean], None, FUNCTION)
    assert (one.label, one.confirming, one.held_out) == ("plausible", 1, 3)
    assert one.doubts == ("only 1 of the 3 the search never ran executes the changed line "
                          "and passed; 2 are needed to confirm it",)
    suspect = assess(["a", "b"], ["a", "b"], [Signals("x", results_changed=2)], None, FUNCTION)
    assert suspect.label == "plausible"
    assert suspect.doubts == ("it changes what add returned on 2 calls of tests that passed "
                              "before",)
    shaped = assess(["a", "b"], ["a", "b"], [Signals("x", anti_patterns=("it deletes `x`",))],
                    None, FUNCTION)
    assert (shaped.label, shaped.doubts) == ("plausible", ("it deletes `x`",))


def test_a_candidate_that_changes_accepted_results_is_suspect_and_ranks_last() -> None:
    original = TestRun({}, {}, 0.0, 0, behaviour={
        "t::a": Behaviour((("(1,)", "1"), ("(2,)", "4")), frozenset({2, 3}))})
    same = TestRun({}, {}, 0.0, 0, behaviour={
        "t::a": Behaviour((("(1,)", "1"), ("(2,)", "4")), frozenset({2, 3}))})
    changed = TestRun({}, {}, 0.0, 0, behaviour={
        "t::a": Behaviour((("(1,)", "1"), ("(2,)", "5")), frozenset({2, 3, 4}))})
    source = "def f(x):\n    y = x\n    return y * y\n"
    candidate = Candidate(FunctionRef("m.py", "f", 1, 3), source, "op", "change", 2)
    kept = compare(original, same, ["t::a"], candidate, source)
    moved = compare(original, changed, ["t::a"], candidate, source)
    assert (kept.suspect, kept.results_changed, kept.lines_changed) == (False, 0, 0)
    assert (moved.suspect, moved.results_changed, moved.lines_changed) == (True, 1, 1)
    ranked = sorted([(moved, 0), (kept, 1)], key=lambda pair: rank_key(*pair))
    assert [signals for signals, _ in ranked] == [kept, moved]
    # Lines run are reported, not ranked on: the search's order decides between these.
    wider = replace(kept, lines_changed=3)
    assert sorted([(wider, 0), (kept, 1)], key=lambda pair: rank_key(*pair))[0][0] == wider


def test_inputs_are_near_the_seeds_new_deterministic_and_smallest_first() -> None:
    made = generate(["(5, 2)", "(10, 3)"])
    assert made == generate(["(5, 2)", "(10, 3)"])
    assert "(5, 2)" not in made
    assert "(10, 3)" not in made
    assert {"(5, 0)", "(4, 2)", "(10, 2)"} <= set(made)
    assert [len(text) for text in made] == sorted(len(text) for text in made)
    assert all(isinstance(ast.literal_eval(text), tuple) for text in made)
    lists = generate(["([3, 1, 2],)"])
    assert {"([],)", "([1, 2, 3],)", "([2, 1, 3],)"} <= set(lists)


def test_annotations_keep_values_of_other_types_out() -> None:
    def scale(count: int, label: str) -> str:
        return label * count

    kinds = annotated_types(scale)
    assert kinds == [int, str]
    made = generate(["(2, 'ab')", "(3, 4)"], kinds)
    assert made
    assert all(isinstance(ast.literal_eval(text)[1], str) for text in made)


def run_with(outputs: dict[str, str]) -> TestRun:
    return TestRun({}, {}, 0.0, 0, outputs=outputs)


def test_the_first_input_on_which_passing_fixes_differ_is_shown_with_each_result() -> None:
    function = FunctionRef("src/finder.py", "first_index", 1, 6)
    right = Candidate(function, "", "off-by-one", "line 3: `1` -> `0`", 3)
    wrong = Candidate(function, "", "off-by-one", "line 6: `-1` -> `0`", 6)
    found = disagreement([
        (right, run_with({"([], 5)": "-1", "([5], 5)": "0", "([6], 5)": "-1"})),
        (wrong, run_with({"([], 5)": "0", "([5], 5)": "0", "([6], 5)": "0"})),
    ])
    assert found is not None
    assert found.call == "first_index([], 5)"
    assert found.outputs == (("line 3: `1` -> `0`", "-1"), ("line 6: `-1` -> `0`", "0"))
    assert disagreement([(right, run_with({"([5], 5)": "0"})),
                         (wrong, run_with({"([5], 5)": "0"}))]) is None


def test_the_test_to_paste_runs_and_asserts_the_committed_result(tmp_path: Path) -> None:
    (tmp_path / "finder.py").write_text(
        "def first_index(items, target):\n    return items.index(target) if target in items "
        "else -1\n\n\ndef parse(text):\n    return int(text)\n")
    function = FunctionRef("finder.py", "first_index", 1, 2)
    passes = paste_test(function, "first_index([], 5)", [("a", "-1"), ("b", "0")])
    fails = paste_test(function, "first_index([], 5)", [("b", "0"), ("a", "-1")])
    raises = paste_test(FunctionRef("finder.py", "parse", 5, 6), "parse('x')",
                        [("a", "raises ValueError"), ("b", "0")])
    outcomes = []
    for text in (passes, fails, raises):
        (tmp_path / "test_pasted.py").write_text(text)
        outcomes.append(subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_pasted.py"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False).returncode)
    assert outcomes == [0, 1, 0]
    assert "#   0  <- b" in passes


def test_the_commit_message_says_what_the_label_rests_on() -> None:
    candidate = Candidate(FUNCTION, "", "op", "line 2: `-` -> `+`", 2)
    failure = Failure("tests/test_calc.py::test_add", "call", "AssertionError", "", "")
    label = assess(["a", "b", "c"], ["a"], [Signals("line 2: `-` -> `+`")], None, FUNCTION)
    text = commits.fix_message([failure], commits.FixFacts(
        candidate, "src/calc.py", fitness=Fitness(1.0, 4, 4, 0.0, 0.0, None),
        candidates_evaluated=3, lines_changed=2, run_id="r", engine="offline", model=None,
        assurance=label))
    assert ("Plausible, review before merging: 1 of 3 held-out tests (never run by the "
            "search) ran the changed lines and passed.") in text.splitlines()
    assert text.splitlines()[-1] == "Selfheal-Assurance: plausible"


def test_new_inputs_a_fix_changes_are_counted_but_do_not_rank_it() -> None:
    # A bug wrong on most inputs: the fix changes most results, a wrong edit fewer.
    original = TestRun({}, {}, 0.0, 0, outputs={"([], 2)": "-1", "([2], 2)": "-1",
                                                "([1], 2)": "-1"})
    narrow = TestRun({}, {}, 0.0, 0, outputs={"([], 2)": "-1", "([2], 2)": "0",
                                              "([1], 2)": "-1"})
    wide = TestRun({}, {}, 0.0, 0, outputs={"([], 2)": "0", "([2], 2)": "0", "([1], 2)": "0"})
    source = "def f(x):\n    return x\n"
    candidate = Candidate(FunctionRef("m.py", "f", 1, 2), source, "op", "change", 2)
    signals = [compare(original, run, [], candidate, source) for run in (wide, narrow)]
    assert [s.inputs_changed for s in signals] == [3, 1]
    assert sorted(range(2), key=lambda i: rank_key(signals[i], i)) == [0, 1]


def test_two_fixes_described_alike_are_told_apart_by_their_new_line() -> None:
    function = FunctionRef("gaps.py", "gap", 1, 2)
    first = Candidate(function, "def gap(o, v):\n    return zip(v, o)\n", "name-swap",
                      "line 2: `o` -> `v`", 2)
    second = Candidate(function, "def gap(o, v):\n    return zip(o, v)\n", "name-swap",
                       "line 2: `o` -> `v`", 2)
    found = disagreement([(first, run_with({"(1, 2)": "a"})), (second, run_with({"(1, 2)": "b"}))])
    assert found is not None
    assert [change for change, _ in found.outputs] == [
        "line 2: `o` -> `v`, giving `return zip(v, o)`",
        "line 2: `o` -> `v`, giving `return zip(o, v)`"]


def test_inputs_near_the_calls_of_tests_that_passed_are_one_argument_nudged() -> None:
    original = TestRun({}, {}, 0.0, 0, behaviour={
        "t::adult_at_40": Behaviour((("(40,)", "True"),), frozenset({2})),
        "t::failing": Behaviour((("(18,)", "False"),), frozenset({2}))})
    near = nearby_inputs(original, ["t::adult_at_40"])
    assert {"(39,)", "(41,)", "(0,)"} <= near
    # Only the tests given (those that passed) count, and only one change away.
    assert "(17,)" not in near
    assert "(38,)" not in near
    pairs = nearby_inputs(TestRun({}, {}, 0.0, 0, behaviour={
        "t::a": Behaviour((("([1, 2], 3)", "None"),), frozenset())}), ["t::a"])
    assert {"([1, 2], 2)", "([2], 3)", "([1, 3], 3)"} <= pairs
    assert "([2], 2)" not in pairs


def test_a_fix_that_changes_results_near_passing_calls_ranks_below_one_that_keeps_them() -> None:
    # is_adult's `age > 18`, tests at 18 (failing), 40 and 17: `age != 17` passes them
    # too, but changes what the function gave at 16 and at 0, next to the test at 17.
    original = TestRun({}, {}, 0.0, 0, behaviour={
        "t::at_17": Behaviour((("(17,)", "False"),), frozenset({2}))},
        outputs={"(16,)": "False", "(0,)": "False", "(50,)": "True"})
    right = replace(original, outputs={"(16,)": "False", "(0,)": "False", "(50,)": "True"})
    fits = replace(original, outputs={"(16,)": "True", "(0,)": "True", "(50,)": "True"})
    source = "def is_adult(age):\n    return age > 18\n"
    candidate = Candidate(FunctionRef("ages.py", "is_adult", 1, 2), source, "op", "change", 2)
    near = nearby_inputs(original, ["t::at_17"])
    signals = [compare(original, run, ["t::at_17"], candidate, source, near)
               for run in (fits, right)]
    assert [s.nearby_changed for s in signals] == [2, 0]
    assert [s.suspect for s in signals] == [False, False]
    assert sorted(range(2), key=lambda i: rank_key(signals[i], i)) == [1, 0]


def test_a_crash_near_passing_calls_ranks_a_fix_down_one_far_from_them_does_not() -> None:
    # The original hung on the failing test, so it gave no result on new inputs: another
    # passing fix's result there is what shows that the crash is new.
    original = TestRun({}, {}, 0.0, 0, behaviour={
        "t::last": Behaviour((("([1, 3, 5], 5)", "2"),), frozenset({2}))})
    near = nearby_inputs(original, ["t::last"])
    assert "([1, 3, 5], 4)" in near
    assert "([3], 4)" not in near
    right = replace(original, outputs={"([1, 3, 5], 4)": "-1", "([3], 4)": "-1"})
    crashes = replace(original, outputs={"([1, 3, 5], 4)": "raises IndexError",
                                         "([3], 4)": "-1"})
    far_only = replace(original, outputs={"([1, 3, 5], 4)": "-1",
                                          "([3], 4)": "does not return within 0.25s"})
    source = "def index_of(items, target):\n    return -1\n"
    candidate = Candidate(FunctionRef("s.py", "index_of", 1, 2), source, "op", "change", 2)
    runs = [crashes, right, far_only]
    signals = [compare(original, run, ["t::last"], candidate, source, near,
                       [peer for peer in runs if peer is not run]) for run in runs]
    assert [s.new_crashes for s in signals] == [1, 0, 0]
    assert sorted(range(3), key=lambda i: rank_key(signals[i], i)) == [1, 2, 0]
    # Where the original raised too, the crash is not new.
    raised = replace(original, outputs={"([1, 3, 5], 4)": "raises IndexError"})
    assert compare(raised, crashes, ["t::last"], candidate, source, near).new_crashes == 0


def test_a_fix_of_a_hang_that_still_hangs_near_the_tests_calls_is_found_out() -> None:
    # lower_bound hung on ([1, 3, 5], 4); `items[lo] < target` passes that test and still
    # loops on ([1, 3], 4), an item fewer; far inputs do not count.
    dodged = TestRun({}, {}, 0.0, 0, behaviour={
        "t::between": Behaviour((("([1, 3, 5], 4)", "2"),), frozenset({4}))},
        outputs={"([1, 3], 4)": "does not return within 0.25s", "([9], 0)": "0"})
    assert hangs_near(dodged, ["t::between"]) == "([1, 3], 4)"
    far = replace(dodged, outputs={"([1, 3], 4)": "1",
                                   "([7, 7, 7, 7], 0)": "does not return within 0.25s"})
    assert hangs_near(far, ["t::between"]) is None
    assert call_text(FunctionRef("b.py", "lower_bound", 1, 9), "([1, 3], 4)") == \
        "lower_bound([1, 3], 4)"


def test_results_that_compare_equal_are_the_same_to_a_test():
    # `sum(prices) / 1` and `sum(prices) * 1` give 5.0 and 5: no `==` tells them apart.
    assert same_result("5", "5.0")
    assert same_result("[1, (2, 3)]", "[1.0, (2, 3.0)]")
    assert not same_result("5", "6")
    assert not same_result("raises ZeroDivisionError", "5")
