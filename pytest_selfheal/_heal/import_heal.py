"""Healing a test module that cannot be collected because the code it imports is missing.

The most common test-driven start: ``from shop.stats import median`` before ``median``
(or ``shop/stats.py`` itself) exists. Collection fails, so there is no test to run in
the session; the engine writes the function, class or constant from the test module,
and each candidate is judged by collecting and running that whole test module in a
fresh pytest process over a scratch copy of the project. The winner is committed like
any fix. The session cannot import the test module again, so the summary says it can
only be re-run in a new session.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Final

from pytest_selfheal._evaluate import Limits, Overlay
from pytest_selfheal._heal.healer import Healer
from pytest_selfheal._heal.missing import find_missing_import
from pytest_selfheal._source.patches import unified_diff
from pytest_selfheal._vcs.landing import Destination, Fix, apply_fix, commit_fix
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.models import (
    Candidate,
    Failure,
    Fitness,
    FunctionRef,
    HealOutcome,
    HealStatus,
    Suspect,
    TestRun,
    Verdict,
)

#: What the summary says about a module that was healed at collection time.
NEW_SESSION: Final = ("{path} could not be imported in this session: it can only be re-run "
                      "in a new one")


def heal_import_error(healer: Healer, test_path: str, report: str,
                      test_source: str) -> HealOutcome | None:
    """Write what the test module ``test_path`` failed to import; ``None`` when its
    collection error is not missing project code (or the engine writes no code)."""
    if not healer.engine.implements_missing:
        return None
    missing = find_missing_import(report, test_source, healer.layout.modules,
                                  healer.read_source)
    if missing is None:
        return None
    started = time.perf_counter()
    first_line = next((line for line in reversed(report.splitlines())
                       if "Error" in line), report[-300:])
    failure = Failure(nodeid=test_path, when="collect",
                      exception_type=first_line.split(":", 1)[0].lstrip("E ").strip(),
                      message=first_line.split(":", 1)[-1].strip(), longrepr=report[-4000:],
                      test_source=test_source)
    place = FunctionRef(missing.path, missing.qualname, 0, 0)
    old = healer.old_source(missing.path)
    task = RepairTask(failure=failure, suspects=(Suspect(place, 1.0, "missing"),),
                      sources={missing.path: old}, tests=(test_path,), missing=missing)
    healer.progress(f"{test_path} cannot import {missing.qualname} from {missing.path}: "
                    "writing it")
    verdicts, winner, rounds = _search(healer, task, started)
    elapsed = time.perf_counter() - started
    if winner is None:
        reason = (healer.engine.stop_reason
                  or f"none of the {len(verdicts)} candidates made {test_path} import and pass")
        return HealOutcome(tests=(test_path,), status=HealStatus.UNHEALED, reason=reason,
                           engine=healer.engine.name, suspects=task.suspects,
                           candidates_evaluated=len(verdicts), generations=rounds,
                           elapsed_s=elapsed, llm_calls=healer.engine.task_calls)
    return replace(_accept(healer, task, winner, verdicts, elapsed), generations=rounds)


def _search(healer: Healer, task: RepairTask,
            started: float) -> tuple[list[Verdict], Verdict | None, int]:
    """Ask the engine round after round; each candidate runs the test module afresh."""
    deadline = started + healer.settings.timeout_s
    overlay = Overlay(healer.layout, healer.state.sources)
    verdicts: list[Verdict] = []
    rounds = 0
    try:
        while len(verdicts) < healer.settings.max_candidates and time.perf_counter() < deadline:
            candidates = healer.engine.propose(task, verdicts)
            if not candidates:
                break
            rounds += 1
            for candidate in candidates:
                reason = healer.screen_candidate(candidate)
                if reason:
                    verdict = Verdict(candidate, False, reason, 0, 0, 0.0, rejected=True)
                else:
                    # The module never ran, so its cost is unknown: a candidate that
                    # loops may take a third of the time left, never all of it.
                    limits = Limits.within(max(1.0, (deadline - time.perf_counter()) / 3))
                    run = overlay.start((task.failure.nodeid,), limits, files=candidate.files,
                                        isolation=healer.evaluator.isolation).wait()
                    verdict = _verdict(candidate, run)
                verdicts.append(verdict)
                healer.observe(verdict)
                if verdict.passed:
                    return verdicts, verdict, rounds
    finally:
        overlay.close()
    return verdicts, None, rounds


def _verdict(candidate: Candidate, run: TestRun) -> Verdict:
    """Passed when the module was collected and every one of its tests passed."""
    collected = not run.first_failure.startswith("collection of")
    failing = [nodeid for nodeid, outcome in run.outcomes.items()
               if outcome not in ("passed", "skipped")]
    passed = collected and not run.problem and bool(run.outcomes) and not failing
    if passed:
        reason = "passed"
    else:
        reason = run.problem or run.first_failure or "the test module has no test that ran"
    return Verdict(candidate, passed, reason[:2000],
                   tests_passed=sum(o == "passed" for o in run.outcomes.values()),
                   tests_total=len(run.outcomes), runtime_s=run.wall_s,
                   failure_text=(run.first_failure or run.problem)[-3000:])


def _accept(healer: Healer, task: RepairTask, winner: Verdict, verdicts: list[Verdict],
            elapsed: float) -> HealOutcome:
    candidate = winner.candidate
    files = candidate.files
    old_sources = {path: healer.old_source(path) for path in files}
    for path, text in files.items():
        healer.state.sources[path] = text
        healer.evaluator.set_source(path, text)
    fitness = Fitness(pass_rate=1.0, tests_passed=winner.tests_passed,
                      tests_total=winner.tests_total, runtime_s=winner.runtime_s,
                      baseline_runtime_s=0.0, speedup=None)
    notes = [NEW_SESSION.format(path=task.failure.nodeid)]
    branch = commit = None
    settings = healer.settings
    if settings.mode != "suggest":
        destination = Destination(healer.repo, healer.no_repository_reason, healer.layout.root,
                                  settings.branch_prefix)
        fix = Fix(task.failure, candidate, old_sources, fitness, len(verdicts),
                  healer.engine.name, healer.engine.model)
        branch, commit = commit_fix(destination, healer.state, fix, notes)
    if settings.mode == "apply":
        for path, text in files.items():
            apply_fix(healer.layout.root, path, old_sources[path], text, notes)
    outcome = HealOutcome(
        tests=(task.failure.nodeid,), status=HealStatus.HEALED,
        reason=f"{candidate.description} (in {candidate.function})",
        engine=healer.engine.name, suspects=task.suspects, function=candidate.function,
        branch=branch, commit=commit, files=tuple(files),
        diff="".join(unified_diff(old_sources[path], text, path)
                     for path, text in files.items()),
        change=candidate.description, candidates_evaluated=len(verdicts),
        winner=fitness, rejected=tuple((v.candidate.description, v.reason)
                                       for v in verdicts if v.rejected),
        verified=True, assurance="plausible", new_source=candidate.source,
        changes=tuple((path, old_sources[path], text) for path, text in files.items()),
        notes=tuple(notes), elapsed_s=elapsed,
        llm_calls=healer.engine.task_calls)
    return replace(outcome, leaderboard=(winner,))
