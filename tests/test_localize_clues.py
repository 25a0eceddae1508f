"""Localization beyond the line spectrum: the branch only failing tests take, the
function that produced a compared value, and the loop a hanging test was stuck in."""

from __future__ import annotations

from pathlib import Path

from pytest_selfheal._heal.localize import Spectrum, localize
from pytest_selfheal.models import Failure, Frame

LINTER = '''\
class Message:
    def __init__(self, code, line):
        self.code = code
        self.line = line


def count_returns(body):
    return sum(1 for statement in body if statement == "return")


def check(function_body):
    messages = []
    returns = count_returns(function_body)
    if returns >= 1:
        messages.append(Message("too-many-returns", 1))
    return messages


def summary(messages):
    return ", ".join(message.code for message in messages)
'''

FAILING = "tests/test_lint.py::test_one_return_is_fine"
PASSING = [f"tests/test_lint.py::test_{n}" for n in range(20)]


def failure(nodeid: str = FAILING, *, message: str = "assert [<Message>] == []",
            longrepr: str = "", frames: tuple[Frame, ...] = (),
            test_source: str = "") -> Failure:
    return Failure(nodeid, "call", "AssertionError", message, longrepr, frames, test_source)


def linter_spectrum() -> Spectrum:
    # Only the failing test's lines are measured; the passing tests noted which
    # functions they entered: all of them run `check`, none constructs a Message.
    coverage = {FAILING: {"lint.py": {2, 3, 4, 8, 12, 13, 14, 15, 16}}}
    reached = {nodeid: ["lint.py::check", "lint.py::count_returns"] for nodeid in PASSING}
    reached[FAILING] = ["lint.py::check", "lint.py::count_returns", "lint.py::Message.__init__"]
    return Spectrum(coverage, frozenset({FAILING}), frozenset(PASSING), reached)


def test_the_caller_that_took_the_branch_into_failing_only_code_ranks_above_it(tmp_path: Path):
    suspects = localize(failure(), tmp_path, {"tests/test_lint.py"}, lambda path: LINTER,
                        linter_spectrum())

    names = [s.function.qualname for s in suspects]
    assert names.index("check") < names.index("Message.__init__")
    check = suspects[names.index("check")]
    # The call and the condition that decided it are the lines to edit first.
    assert {14, 15} <= set(check.lines)
    assert "branch" in check.evidence


def test_a_function_whose_result_the_assertion_compares_is_a_suspect(tmp_path: Path):
    test = ("def test_one_return_is_fine():\n"
            "    found = check(['return'])\n"
            "    assert summary(found) == ''\n")
    spectrum = Spectrum({FAILING: {"lint.py": {13, 20}}}, frozenset({FAILING}),
                        frozenset(PASSING),
                        {n: ["lint.py::check", "lint.py::summary"] for n in PASSING})

    suspects = localize(failure(test_source=test), tmp_path, {"tests/test_lint.py"},
                        lambda path: LINTER, spectrum)

    evidence = {s.function.qualname: s.evidence for s in suspects}
    assert "assertion" in evidence["check"]
    assert "assertion" in evidence["summary"]


def test_a_unittest_assertion_names_the_producer_of_what_it_compares(tmp_path: Path):
    # Every test runs both functions, so the spectrum alone cannot tell them apart; the
    # assertion compares what count_returns produced.
    test = ("    def test_counts(self):\n"
            "        found = [count_returns(body) for body in BODIES]\n"
            "        self.assertEqual([0, 1], found, 'counted ' + str(found))\n")
    # Only which functions each test entered was measured, the failing test's included.
    both = ["lint.py::check", "lint.py::count_returns"]
    spectrum = Spectrum({}, frozenset({FAILING}), frozenset(PASSING),
                        dict.fromkeys([*PASSING, FAILING], both))

    suspects = localize(failure(test_source=test), tmp_path, {"tests/test_lint.py"},
                        lambda path: LINTER, spectrum)

    assert suspects[0].function.qualname == "count_returns"
    assert "assertion" in suspects[0].evidence


def test_pytest_s_explanation_names_the_producer(tmp_path: Path):
    longrepr = "E       assert 'x' == ''\nE        +  where 'x' = summary([])\n"
    spectrum = Spectrum({FAILING: {"lint.py": {20}}}, frozenset({FAILING}),
                        frozenset(PASSING), {n: ["lint.py::summary"] for n in PASSING})

    suspects = localize(failure(longrepr=longrepr), tmp_path, {"tests/test_lint.py"},
                        lambda path: LINTER, spectrum)

    assert "assertion" in suspects[0].evidence


LOOP = '''\
def digits(n):
    count = 0
    while n != 0:
        count += 1
        n = n // 10
    return count
'''


def test_a_test_that_hung_makes_its_whole_loop_suspect(tmp_path: Path):
    frames = (Frame(str(tmp_path / "tests/test_digits.py"), 4, "test_negative"),
              Frame(str(tmp_path / "digits.py"), 4, "digits"))
    hung = failure("tests/test_digits.py::test_negative",
                   message="Timeout (>1.0s) from pytest-timeout.", frames=frames)

    (suspect,) = localize(hung, tmp_path, {"tests/test_digits.py"}, lambda path: LOOP, None)

    assert suspect.lines == (3, 4, 5)


def test_an_ordinary_failure_keeps_the_line_it_failed_on(tmp_path: Path):
    frames = (Frame(str(tmp_path / "digits.py"), 4, "digits"),)

    (suspect,) = localize(failure(frames=frames), tmp_path, (), lambda path: LOOP, None)

    assert suspect.lines == (4,)


def test_test_support_code_the_failing_test_ran_is_never_a_suspect(tmp_path: Path):
    # tests/_suite.py is no collected test module, but it is test code all the same.
    coverage = {FAILING: {"tests/_suite.py": {2, 3}, "lint.py": {13, 14}}}
    spectrum = Spectrum(coverage, frozenset({FAILING}), frozenset(PASSING),
                        {n: ["lint.py::check"] for n in PASSING})

    suspects = localize(failure(), tmp_path, {"tests/test_lint.py"}, lambda path: LINTER,
                        spectrum)

    assert suspects
    assert all(not s.function.path.startswith("tests/") for s in suspects)
