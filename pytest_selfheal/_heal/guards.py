"""The tests of the module a fix edits that localization never measured: run before the
fix is taken.

Localization measures the tests that reach the failure's files within a time box; in a
large suite the box ends long before every one is measured, and a fix is judged only on
those that were. The test file named after the module a fix edits (``test_paths.py`` for
``paths.py``) tests that module for itself, so a wrong edit of it most often fails some
of them: in networkx, an edit of the approximation a failing k-components test ran passed
the one test the box had measured, and failed 11 of the 18 of ``test_connectivity.py``.

So once a candidate passes every test it was judged on, those tests run on the unchanged
code, within a share of the heal's time. The ones that pass there join the tests the fix
is held to, as held-out ones (the search never chose by them); a winner that fails one is
refused and the search goes on, with every later candidate held to them too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Limits
from pytest_selfheal._heal.selection import Selection
from pytest_selfheal._heal.survey import LOCALIZATION_SHARE, module_stem, tested_module
from pytest_selfheal.errors import EvaluationError

if TYPE_CHECKING:
    from pytest_selfheal._heal.healer import Healer
    from pytest_selfheal._heal.rounds import Search

#: The share of the heal's time that the run of those tests on the unchanged code may
#: take, as long as localization's: tests that do not end by then are left out.
GUARD_SHARE = LOCALIZATION_SHARE


def unmeasured_own_tests(healer: Healer, selection: Selection, files: list[str]) -> list[str]:
    """The tests in files named after ``files`` that localization never measured, none
    that hung in the session. (One it measured either runs a suspect, and fixes are
    judged by it, or does not, and no edit of one can change its outcome.)"""
    named = {module_stem(relpath) for relpath in files} - {"__init__"}
    # The siblings are among the measured tests.
    known = selection.seen
    return [nodeid for nodeid in healer.reaching(files)
            if tested_module(nodeid) in named and nodeid not in known
            and nodeid not in healer.history.hung]


def guard(healer: Healer, found: Search, selection: Selection) -> Selection:
    """``selection`` with the unmeasured tests of the module ``found``'s winner edits that
    pass on the unchanged code; the winner is refused (:meth:`Search.refuse`) when it
    fails one of them."""
    winner = found.winner
    assert winner is not None
    files = sorted(winner.candidate.files)
    found.guarded.update(files)
    tests = unmeasured_own_tests(healer, selection, files)
    if not tests:
        return selection
    seconds = GUARD_SHARE * healer.settings.timeout_s
    healer.progress(f"running the {len(tests)} tests of {', '.join(files)} that were not "
                    f"measured, on the unchanged code (up to {seconds:.1f}s)")
    try:
        before = healer.evaluator.run(tests, Limits.within(seconds, strict=True), spread=True)
        passing = {nodeid: "passed" for nodeid in tests
                   if before.outcomes.get(nodeid) == "passed"}
        if not passing:
            return selection
        workload = replace(selection.workload,
                           expected={**selection.workload.expected, **passing},
                           durations={**selection.workload.durations, **before.durations})
        (verdict,) = healer.evaluator.judge_all([winner.candidate],
                                                replace(workload, expected=passing),
                                                should_stop=lambda: False)
    except EvaluationError as exc:
        healer.progress(f"those tests could not be run: {exc}")
        return selection
    # Other candidates judged passing beside the winner never ran these tests: they are
    # judged again, on them too, if the search or the ranking comes to them.
    found.verdicts[:] = [v for v in found.verdicts
                         if v.candidate is winner.candidate or not v.passed]
    if verdict.passed:
        # It passed them: they count among the tests it passed, as for those judged after.
        held = replace(winner, tests_passed=winner.tests_passed + len(passing),
                       tests_total=winner.tests_total + len(passing))
        found.verdicts[:] = [held if v is winner else v for v in found.verdicts]
        found.winner = held
    else:
        failed = [nodeid for nodeid, outcome in verdict.pattern if outcome != "passed"]
        why = (f"fails {len(failed)} of the {len(passing)} tests of its module that pass on "
               f"the unchanged code and were not measured before "
               f"({f'first {failed[0]}' if failed else verdict.reason})")
        found.refuse(winner, why)
        healer.progress(f"refused: {winner.candidate.description} (in "
                        f"{winner.candidate.function}) {why}; going on with the next "
                        "candidates")
    return replace(selection, held_out={**selection.held_out, **passing}, workload=workload)
