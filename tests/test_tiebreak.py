"""Which tied fixes the tests that never ran refuse: one that fails a test another fix
passes, or is cut off in it where the other was through it well within the limit."""

from __future__ import annotations

from pytest_selfheal._heal.tiebreak import Untried, _losers
from pytest_selfheal.models import Candidate, FunctionRef, TestRun, Verdict

FUNCTION = FunctionRef("src/m.py", "f", 1, 2)
TESTS = ["tests/test_a.py::test_one", "tests/test_a.py::test_two", "tests/test_b.py::test_three"]


def fix(name: str) -> Verdict:
    candidate = Candidate(FUNCTION, f"def f():\n    return {name!r}\n", "edit", name, 1)
    return Verdict(candidate, True, "passed", 1, 1, 0.1)


def run(outcomes: dict[str, str], durations: dict[str, float] | None = None,
        interrupted: tuple[str, ...] = ()) -> TestRun:
    return TestRun(outcomes=outcomes, durations=durations or dict.fromkeys(outcomes, 0.01),
                   wall_s=1.0, exit_code=0, interrupted=interrupted)


def refused(fixes: list[Verdict], runs: list[TestRun], limit_s: float = 5.0) -> dict[str, str]:
    losers = _losers(fixes, [Untried(each, tuple(TESTS), 2, limit_s) for each in runs])
    return {f.candidate.description: losers[id(f)][0] for f in fixes if id(f) in losers}


def test_a_fix_failing_a_test_another_passes_is_refused_with_that_test() -> None:
    right, wrong = fix("right"), fix("wrong")
    runs = [run(dict.fromkeys(TESTS, "passed")),
            run({TESTS[0]: "passed", TESTS[1]: "failed", TESTS[2]: "failed"})]
    assert refused([right, wrong], runs) == {"wrong": TESTS[1]}


def test_a_test_every_fix_fails_or_never_reached_tells_nothing() -> None:
    first, second = fix("first"), fix("second")
    runs = [run({TESTS[0]: "failed", TESTS[1]: "passed"}),
            run({TESTS[0]: "failed", TESTS[2]: "passed"})]
    assert refused([first, second], runs) == {}


def test_being_cut_off_counts_only_where_the_other_fix_was_through_well_within_the_limit(
        ) -> None:
    # Pieces of two tests: test 2 runs in a child of its own.
    quick, slow, looping = fix("quick"), fix("slow"), fix("looping")
    passed_quickly = run(dict.fromkeys(TESTS, "passed"))
    passed_slowly = run(dict.fromkeys(TESTS, "passed"), {TESTS[0]: 0.5, TESTS[1]: 0.5,
                                                         TESTS[2]: 4.0})
    cut_off = run({TESTS[0]: "passed", TESTS[1]: "passed"}, interrupted=(TESTS[2],))
    assert refused([quick, looping], [passed_quickly, cut_off]) == {"looping": TESTS[2]}
    # 4 s of the 5 s limit to be through the test: the cut-off one was only slower.
    assert refused([slow, looping], [passed_slowly, cut_off]) == {}
