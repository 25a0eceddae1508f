from __future__ import annotations

import time

import pytest

from pytest_selfheal._heal.survey import Box


def test_a_measurement_ends_within_the_box_on_a_busy_machine_too():
    # The fork server lets a child the machine kept waiting run past its limit, up to
    # BUSY_MACHINE_FACTOR times it: localization asked for the whole box and took
    # twice as long on a loaded machine. Its limits are strict: none of that.
    box = Box(time.perf_counter() + 100.0)

    limits = box.limits()

    assert limits.strict
    assert 99.0 < limits.timeout_s <= 100.0


class RecordingEvaluator:
    """Stands in for the evaluator where only the order of the tests it is asked to
    run matters; it runs nothing."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.lead: tuple[str, ...] = ()

    def run(self, nodeids, limits, **options):  # type: ignore[no-untyped-def]
        from pytest_selfheal.models import TestRun

        self.asked = list(nodeids)
        self.lead = tuple(options.get("lead", ()))
        return TestRun(outcomes=dict.fromkeys(nodeids, "passed"), durations={}, wall_s=0.0,
                       exit_code=0)


def test_tests_the_session_never_reached_are_measured_before_its_slow_ones():
    # pyparsing's lineno bug fails its 61st test: the 1,600 fast tests after it waited
    # behind the examples the session had seen take seconds, and the box ran out on
    # those, with 55 tests measured. The failing test's own module comes first.
    from pytest_selfheal._heal.survey import Surveyor
    from pytest_selfheal.models import History

    history = History(durations={"t/test_examples.py::test_slow": 2.0,
                                 "t/test_examples.py::test_quick": 0.01,
                                 "t/test_unit.py::test_failing": 0.02})
    later = [f"t/test_unit.py::test_{n}" for n in range(3)]
    evaluator = RecordingEvaluator()
    survey = Surveyor(evaluator, history,  # type: ignore[arg-type]
                      lambda files: [*history.durations, *later], lambda line: None)

    survey.reaching_tests("t/test_unit.py::test_failing", ["pkg/core.py"],
                          Box(time.perf_counter() + 100.0), hung=False)

    assert evaluator.asked == [*later, "t/test_examples.py::test_quick",
                               "t/test_examples.py::test_slow"]


@pytest.mark.parametrize(("failing_s", "leads"), [(0.02, True), (1.5, False)])
def test_a_failing_test_leads_every_child_only_when_it_is_quick_beside_the_box(
        failing_s: float, leads: bool):
    # networkx: a failing test of 1.5 s, run first in each child, left a 3 s box nothing
    # to measure (0 of 2,534 tests).
    from pytest_selfheal._heal.survey import Surveyor
    from pytest_selfheal.models import History

    failing = "t/test_flow.py::test_failing"
    history = History(durations={failing: failing_s, "t/test_flow.py::test_other": 0.01})
    evaluator = RecordingEvaluator()
    survey = Surveyor(evaluator, history,  # type: ignore[arg-type]
                      lambda files: list(history.durations), lambda line: None)

    survey.reaching_tests(failing, ["pkg/flow.py"], Box(time.perf_counter() + 3.0), hung=False)

    assert evaluator.lead == ((failing,) if leads else ())


def test_the_test_files_named_after_the_files_the_failure_runs_are_measured_next():
    # networkx: a bipartite test failed for a flow condition in disjoint_paths.py; the
    # box measured 552 fast tests of other modules, none of test_disjoint_paths.py, and
    # an edit of another condition there passed them all and was committed. That file's
    # tests fail on it.
    from pytest_selfheal._heal.survey import Surveyor
    from pytest_selfheal.models import History

    failing = "pkg/bipartite/tests/test_extendability.py::test_k_is_3"
    history = History(durations={failing: 0.02,
                                 "pkg/bipartite/tests/test_extendability.py::test_k_is_4": 0.3,
                                 "pkg/centrality/tests/test_degree.py::test_fast": 0.001,
                                 "pkg/flow/tests/test_paths.py::test_petersen": 0.2,
                                 "pkg/flow/tests/paths_test.py::test_octahedral": 0.2,
                                 "pkg/flow/tests/test_disjoint.py::test_icosahedral": 0.2})
    evaluator = RecordingEvaluator()
    survey = Surveyor(evaluator, history,  # type: ignore[arg-type]
                      lambda files: list(history.durations), lambda line: None)

    survey.reaching_tests(failing, ["pkg/flow/paths.py", "pkg/centrality/__init__.py"],
                          Box(time.perf_counter() + 100.0), hung=False)

    assert evaluator.asked == ["pkg/bipartite/tests/test_extendability.py::test_k_is_4",
                               "pkg/flow/tests/test_paths.py::test_petersen",
                               "pkg/flow/tests/paths_test.py::test_octahedral",
                               "pkg/centrality/tests/test_degree.py::test_fast",
                               "pkg/flow/tests/test_disjoint.py::test_icosahedral"]


def test_when_the_failing_test_hung_the_tests_of_its_module_are_measured_last():
    # mpmath's isqrt loops in polyroots: the other tests of test_calculus.py run it too,
    # and measured first they held a child per worker until the box ran out (none of
    # 294 tests measured).
    from pytest_selfheal._heal.survey import Surveyor
    from pytest_selfheal.models import History

    failing = "t/test_calculus.py::test_polyroots"
    history = History(durations={"t/test_basic.py::test_add": 0.01}, hung={failing})
    later = ["t/test_calculus.py::test_taylor", "t/test_convert.py::test_str"]
    evaluator = RecordingEvaluator()
    survey = Surveyor(evaluator, history,  # type: ignore[arg-type]
                      lambda files: [failing, *history.durations, *later], lambda line: None)

    survey.reaching_tests(failing, ["pkg/roots.py"], Box(time.perf_counter() + 100.0),
                          hung=True)

    assert evaluator.asked == ["t/test_basic.py::test_add", "t/test_convert.py::test_str",
                               "t/test_calculus.py::test_taylor"]
    assert evaluator.lead == ()


FLOW = '''\
def augment(capacity):
    total = 0
    for unit in range(capacity):
        total += unit % 3
    return total


def max_flow(rounds):
    return sum(augment(200) for _ in range(rounds))
'''
FLOW_TESTS = '''\
from lib.flow import max_flow


def test_flow():
    assert max_flow(4) == 0
'''


@pytest.mark.parametrize(("took_s", "by_lines"), [(20.0, False), (0.01, True)])
def test_a_failing_test_too_slow_for_line_coverage_notes_the_functions_it_enters(
        tmp_path, took_s: float, by_lines: bool):
    # networkx: a test of 1.3 s took 6.8 s of the 8 s box under line coverage of the
    # whole project, no other test was measured, and the flow code it failed in was
    # never a suspect. Noting the functions it enters costs little more than its time.
    from pytest_selfheal._evaluate import Evaluator, ProjectLayout
    from pytest_selfheal._heal.survey import Surveyor, ran_files
    from pytest_selfheal.models import History

    root = tmp_path / "project"
    (root / "src/lib").mkdir(parents=True)
    (root / "src/lib/__init__.py").write_text("")
    (root / "src/lib/flow.py").write_text(FLOW)
    (root / "tests").mkdir()
    (root / "tests/test_flow.py").write_text(FLOW_TESTS)
    (root / "pytest.ini").write_text("[pytest]\npythonpath = src\n")
    layout = ProjectLayout(root=root, inifile="pytest.ini", test_files=("tests/test_flow.py",),
                           import_roots=("src",), modules={"lib.flow": "src/lib/flow.py"})
    failing = "tests/test_flow.py::test_flow"
    said: list[str] = []
    evaluator = Evaluator(layout, workers=1, zygote=None)
    try:
        survey = Surveyor(evaluator, History(durations={failing: took_s}),
                          lambda files: [], said.append, ["src/lib/flow.py"])
        run = survey.failing_alone(failing, Box(time.perf_counter() + 60.0))
    finally:
        evaluator.close()

    assert run is not None
    assert run.outcomes == {failing: "failed"}
    assert ran_files(run, failing) == {"src/lib/flow.py"}
    if by_lines:
        assert said == []
        assert run.coverage[failing]["src/lib/flow.py"] >= {2, 3, 4, 5, 9}
    else:
        (line,) = said
        assert line.startswith(f"noting the functions of the 1 project modules that "
                               f"{failing} enters: it took 20.0s, too long for line coverage")
        assert run.reached[failing] == {"src/lib/flow.py::augment", "src/lib/flow.py::max_flow"}
        assert failing not in run.coverage


def test_the_suspects_lines_are_not_measured_for_a_test_too_slow_for_what_is_left():
    # networkx: the failing test of 1.3 s would lead the line coverage of the suspects in
    # a 1.7 s box, and leave its child nothing else measured.
    from pytest_selfheal._heal.survey import Surveyor
    from pytest_selfheal.models import History

    slow, quick = "t/test_kcomponents.py::test_torrents", "t/test_maxflow.py::test_graph"
    evaluator = RecordingEvaluator()
    survey = Surveyor(evaluator, History(durations={slow: 1.3, quick: 0.01}),  # type: ignore[arg-type]
                      lambda files: [], lambda line: None)

    survey.line_coverage([slow, quick], ["pkg/flow.py"], Box(time.perf_counter() + 1.7))

    assert evaluator.asked == [quick]
