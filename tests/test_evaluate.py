from __future__ import annotations

import math
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from pytest_selfheal._evaluate import (
    Evaluator,
    Limits,
    Overlay,
    PathCost,
    ProjectLayout,
    Workload,
    judge,
)
from pytest_selfheal._evaluate.reaping import BUSY_MACHINE_FACTOR, child_deadline
from pytest_selfheal._evaluate.workload import as_if_whole, learn_fix_durations
from pytest_selfheal.models import Candidate, FunctionRef, TestRun, Verdict

LIB = "def is_adult(age):\n    return age > 18\n"
TESTS = '''\
from lib.age import is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_child():
    assert not is_adult(12)


def test_adult():
    assert is_adult(40)
'''
FIXED = LIB.replace(">", ">=")
LOOPING = "def is_adult(age):\n    while True:\n        pass\n"
EXITING = "import os\n\ndef is_adult(age):\n    os._exit(3)\n"

ADULT_AT_18 = "tests/test_age.py::test_adult_at_18"
CHILD = "tests/test_age.py::test_child"
ADULT = "tests/test_age.py::test_adult"


@pytest.fixture
def layout(tmp_path: Path) -> ProjectLayout:
    return make_layout(tmp_path)


def make_layout(tmp_path: Path) -> ProjectLayout:
    """The ``lib.age`` project, whose ``is_adult`` is off by one at 18."""
    root = tmp_path / "project"
    (root / "src/lib").mkdir(parents=True)
    (root / "src/lib/__init__.py").write_text("")
    (root / "src/lib/age.py").write_text(LIB)
    (root / "tests").mkdir()
    (root / "tests/test_age.py").write_text(TESTS)
    (root / "pytest.ini").write_text(
        "[pytest]\npythonpath = src\naddopts = --this-flag-is-unknown\n")
    (root / ".git").mkdir()
    (root / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (root / ".venv").mkdir()
    (root / ".venv/pyvenv.cfg").write_text("home = /usr\n")
    return ProjectLayout(root=root, inifile="pytest.ini", test_files=("tests/test_age.py",),
                         import_roots=("src",), modules={"lib.age": "src/lib/age.py"})


def candidate(source: str) -> Candidate:
    return Candidate(function=FunctionRef("src/lib/age.py", "is_adult", 1, 2), source=source,
                     operator="test", description="test", lineno=2)


LIMITS = Limits(timeout_s=60, cpu_s=60)


def workload(expected: dict[str, str]) -> Workload:
    return Workload(expected, {}, deadline=time.perf_counter() + 600)


def test_scratch_copy_leaves_out_version_control_and_environments(layout):
    overlay = Overlay(layout, {})
    try:
        assert (overlay.root / "src/lib/age.py").read_text() == LIB
        assert not (overlay.root / ".git").exists()
        assert not (overlay.root / ".venv").exists()
    finally:
        overlay.close()
    assert not overlay.base.exists()


def test_run_reports_each_selected_test_in_order_and_ignores_project_addopts(layout):
    overlay = Overlay(layout, {})
    try:
        run = overlay.start([CHILD, ADULT_AT_18], LIMITS).wait()
    finally:
        overlay.close()
    assert run.problem == ""
    assert run.outcomes == {CHILD: "passed", ADULT_AT_18: "failed"}
    assert "assert False" in run.first_failure
    assert set(run.durations) == {CHILD, ADULT_AT_18}


def test_candidate_files_are_written_for_one_run_only(layout):
    overlay = Overlay(layout, {})
    try:
        fixed = overlay.start([ADULT_AT_18], LIMITS, files={"src/lib/age.py": FIXED}).wait()
        again = overlay.start([ADULT_AT_18], LIMITS).wait()
    finally:
        overlay.close()
    assert fixed.outcomes == {ADULT_AT_18: "passed"}
    assert again.outcomes == {ADULT_AT_18: "failed"}
    assert (layout.root / "src/lib/age.py").read_text() == LIB


def test_exitfirst_stops_at_the_first_failure(layout):
    overlay = Overlay(layout, {})
    try:
        run = overlay.start([ADULT_AT_18, CHILD, ADULT], LIMITS, exitfirst=True).wait()
    finally:
        overlay.close()
    assert run.outcomes == {ADULT_AT_18: "failed"}


def test_coverage_run_records_the_lines_each_test_executed(layout):
    overlay = Overlay(layout, {})
    try:
        run = overlay.start([ADULT_AT_18, CHILD], LIMITS, coverage=True).wait()
    finally:
        overlay.close()
    assert run.coverage[ADULT_AT_18] == {"src/lib/age.py": frozenset({2})}
    assert "tests/test_age.py" not in run.coverage[CHILD]


def test_infinite_loop_in_a_candidate_is_cut_off_and_leaves_no_process(layout):
    overlay = Overlay(layout, {})
    try:
        run = overlay.start([ADULT_AT_18], Limits(timeout_s=3, cpu_s=30),
                          files={"src/lib/age.py": LOOPING}).wait()
    finally:
        overlay.close()
    assert run.problem == f"{ADULT_AT_18} timed out after 3.0s"
    verdict = judge(candidate(LOOPING), run, {ADULT_AT_18: "passed"})
    assert not verdict.passed
    assert "timed out" in verdict.reason


def test_cpu_limit_kills_a_spinning_candidate_before_the_wall_clock(layout):
    overlay = Overlay(layout, {})
    try:
        run = overlay.start([ADULT_AT_18], Limits(timeout_s=60, cpu_s=2),
                          files={"src/lib/age.py": LOOPING}).wait()
    finally:
        overlay.close()
    assert run.exit_code is not None
    assert run.exit_code in (-signal.SIGXCPU, -signal.SIGKILL)
    assert "killed by SIG" in run.problem
    assert run.wall_s < 60


def test_a_candidate_that_exits_the_process_is_a_failed_candidate(layout):
    overlay = Overlay(layout, {})
    try:
        run = overlay.start([ADULT_AT_18, CHILD], LIMITS, files={"src/lib/age.py": EXITING}).wait()
    finally:
        overlay.close()
    verdict = judge(candidate(EXITING), run, {ADULT_AT_18: "passed", CHILD: "passed"})
    assert not verdict.passed
    assert verdict.tests_passed == 0


def test_module_imported_from_outside_the_copy_is_reported(layout, tmp_path, monkeypatch):
    # As with an editable install of the original: the child must not judge that code.
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "lib").mkdir(parents=True)
    (elsewhere / "lib/__init__.py").write_text("")
    (elsewhere / "lib/age.py").write_text(FIXED)
    monkeypatch.setenv("PYTHONPATH", str(elsewhere))
    wrong = ProjectLayout(root=layout.root, inifile="pytest.ini", test_files=layout.test_files,
                          import_roots=(), modules=layout.modules)
    (layout.root / "pytest.ini").write_text("[pytest]\n")
    overlay = Overlay(wrong, {})
    try:
        run = overlay.start([ADULT_AT_18], LIMITS).wait()
    finally:
        overlay.close()
    assert "imported the project from outside the scratch copy" in run.problem
    assert str(elsewhere) in run.problem


def test_pool_returns_the_earliest_passing_candidate_in_order(layout):
    pool = Evaluator(layout, workers=2, zygote=None)
    seen = []
    try:
        winner = pool.first_passing(
            [candidate(LIB), candidate(LIB.replace(">", "<")), candidate(FIXED),
             candidate(LIB.replace("> 18", ">= 0"))],
            workload({ADULT_AT_18: "passed", CHILD: "passed", ADULT: "passed"}),
            stop_at=math.inf,
            on_verdict=seen.append,
        )
    finally:
        pool.close()
    assert winner is not None
    assert winner.candidate.source == FIXED
    assert winner.tests_passed == winner.tests_total == 3
    assert len(seen) >= 3


def test_closing_the_evaluator_deletes_every_scratch_copy(layout, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    pool = Evaluator(layout, workers=2, zygote=None)
    pool.first_passing([candidate(LIB), candidate(FIXED)], workload({ADULT_AT_18: "passed"}),
                       stop_at=math.inf)
    assert len(list(scratch.glob("selfheal-*"))) == 2
    pool.close()
    assert list(scratch.iterdir()) == []


def test_pool_stops_starting_candidates_when_told(layout):
    pool = Evaluator(layout, workers=1, zygote=None)
    try:
        winner = pool.first_passing([candidate(FIXED)], workload({ADULT_AT_18: "passed"}),
                                    stop_at=0.0)
    finally:
        pool.close()
    assert winner is None


def test_a_candidate_still_running_when_the_time_is_up_is_stopped_without_a_verdict(layout):
    # A test measured at 10 s gives candidates limits of half a minute and more: one that
    # loops must not hold the caller past its own time (the search for more fixes after
    # the first one ran a looping mutant for 52 s of mpmath's heal).
    pool = Evaluator(layout, workers=1, zygote=None)
    seen: list[Verdict] = []
    try:
        winner = pool.first_passing(
            [candidate(LOOPING)],
            Workload({ADULT_AT_18: "passed"}, {ADULT_AT_18: 10.0},
                     deadline=time.perf_counter() + 600),
            stop_at=time.perf_counter() + 2.0, on_verdict=seen.append)
    finally:
        pool.close()
    assert winner is None
    assert seen == []


def test_a_fix_passing_a_test_that_hung_gives_its_time_to_the_next_candidates():
    hung = "tests/test_age.py::test_adult_at_18"
    work = Workload({hung: "passed", CHILD: "passed"}, {CHILD: 0.01},
                    deadline=time.perf_counter() + 600)
    learned: dict[str, float] = {}

    def run(outcome: str, seconds: float, interrupted: tuple[str, ...] = ()) -> TestRun:
        return TestRun(outcomes={hung: outcome}, durations={hung: seconds}, wall_s=seconds,
                       exit_code=0, interrupted=interrupted)

    learn_fix_durations(learned, run("failed", 0.02), work)  # a wrong edit, failing fast
    learn_fix_durations(learned, run("passed", 7.0, interrupted=(hung,)), work)
    assert learned == {}
    learn_fix_durations(learned, run("passed", 7.0), work)
    learn_fix_durations(learned, run("passed", 6.0), work)
    assert learned == {hung: 7.0}
    assert work.knowing(learned).durations == {CHILD: 0.01, hung: 7.0}
    assert work.knowing(learned).tests_s == pytest.approx(7.01)


def test_time_limits_are_a_few_times_what_the_unchanged_code_was_measured_to_cost():
    cost = PathCost()
    # One test alone: 0.25 s of the run was not the test (start-up, collection).
    cost.observe(tests=1, wall_s=0.30, tests_s=0.05)
    assert cost.limits(1, 0.05).timeout_s == pytest.approx(3 * 0.30)
    # Eleven tests took 0.35 s more around them: 35 ms per extra test.
    cost.observe(tests=11, wall_s=1.10, tests_s=0.50)
    assert cost.overhead(11) == pytest.approx(0.60)
    assert cost.limits(21, 1.0).timeout_s == pytest.approx(3 * (0.25 + 20 * 0.035 + 1.0))
    # No floor: millisecond runs get millisecond limits, so a loop costs little.
    quick = PathCost()
    quick.observe(tests=1, wall_s=0.004, tests_s=0.001)
    assert quick.limits(1, 0.001).timeout_s == pytest.approx(0.012)
    # The kernel counts CPU in whole seconds: the next one up, and one more.
    assert quick.limits(1, 0.001).cpu_s == 2
    assert Limits.within(2.4).doubled() == Limits(timeout_s=4.8, cpu_s=8)



def _child(work: str, limit: float) -> int:
    """A forked child, leading its own process group, that waits (``sleep``) or computes
    (``spin``) until killed; a spinning one writes a byte once it computed for ``limit``
    seconds."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.setpgid(0, 0)  # as a fork server's child does
        if work == "sleep":
            time.sleep(60)
        while time.process_time() < limit + 0.05:  # /proc counts in clock ticks
            pass
        os.write(write, b"!")
        while True:
            pass
    os.close(write)
    if work == "spin":
        os.read(read, 1)
    else:
        time.sleep(limit)  # the limit passes while the child waits
    os.close(read)
    return pid


@pytest.mark.parametrize(("work", "strict"), [("sleep", False), ("spin", False),
                                              ("sleep", True)])
def test_a_child_that_reaches_its_limit_waiting_gets_more_time_and_one_computing_does_not(
        work: str, strict: bool):
    # A busy machine keeps a child waiting just as a sleep does; a loop computes. A
    # strict limit is a measurement's time box: waiting or not, it ends there.
    limit = 1.0
    started = time.perf_counter()
    pid = _child(work, limit)
    try:
        deadline = child_deadline(pid, started, Limits.within(limit, strict=strict))
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if work == "sleep" and not strict:
        assert time.perf_counter() < deadline <= started + BUSY_MACHINE_FACTOR * limit
    else:
        assert deadline <= time.perf_counter()


def test_a_test_that_hangs_on_one_candidate_costs_only_its_piece(layout):
    # A test that never ran before may hang on one candidate: run in pieces, each in a
    # child of its own, the tests after it still run on that candidate.
    loops_for_children = "def is_adult(age):\n    while age < 18:\n        pass\n    return True\n"
    pool = Evaluator(layout, workers=2, zygote=None)
    try:
        fixed, looping = pool.run_in_pieces(
            [candidate(FIXED), candidate(loops_for_children)], [CHILD, ADULT_AT_18, ADULT],
            Limits.within(8.0, strict=True), size=1, until=time.perf_counter() + 300)
    finally:
        pool.close()
    assert fixed.outcomes == {CHILD: "passed", ADULT_AT_18: "passed", ADULT: "passed"}
    assert looping.outcomes == {ADULT_AT_18: "passed", ADULT: "passed"}
    assert looping.interrupted == (CHILD,)


def test_a_run_of_part_of_the_tests_is_judged_as_the_whole_run_would_have_been():
    # The candidate ran ADULT_AT_18 and ADULT alone: CHILD, between them, could not
    # change, and counts as passed in the time it took before.
    whole = Workload({ADULT_AT_18: "passed", CHILD: "passed", ADULT: "passed"},
                     {ADULT_AT_18: 0.1, CHILD: 0.2, ADULT: 0.3}, deadline=math.inf)
    part = {ADULT_AT_18: "passed", ADULT: "passed"}
    passing = TestRun(outcomes=part, durations={ADULT_AT_18: 0.1, ADULT: 0.4}, wall_s=1.0,
                      exit_code=0)
    verdict = judge(candidate(FIXED), as_if_whole(passing, part, whole), whole.expected)
    assert (verdict.passed, verdict.tests_passed, verdict.tests_total) == (True, 3, 3)
    assert verdict.runtime_s == pytest.approx(0.7)
    # A run stopped at its first test: nothing after it counts, as when all ran.
    stopped = TestRun(outcomes={ADULT_AT_18: "failed"}, durations={ADULT_AT_18: 0.1},
                      wall_s=1.0, exit_code=1, first_failure=f"{ADULT_AT_18}: assert False")
    verdict = judge(candidate(LIB), as_if_whole(stopped, part, whole), whole.expected)
    assert (verdict.passed, verdict.tests_passed) == (False, 0)
    assert verdict.reason == f"{ADULT_AT_18}: assert False"
    # Stopped at ADULT: CHILD, before it, counts.
    late = TestRun(outcomes={ADULT_AT_18: "passed", ADULT: "failed"},
                   durations={ADULT_AT_18: 0.1, ADULT: 0.3}, wall_s=1.0, exit_code=1,
                   first_failure=f"{ADULT}: assert False")
    verdict = judge(candidate(LIB), as_if_whole(late, part, whole), whole.expected)
    assert (verdict.passed, verdict.tests_passed) == (False, 2)
