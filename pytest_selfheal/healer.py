"""Healing one failure: localize, search for a fix, verify it, commit it.

The :class:`Healer` is engine-agnostic glue between the layers below it and knows
nothing of pytest: the session hands it :class:`~pytest_selfheal.models.Failure`
records and gets :class:`~pytest_selfheal.models.HealOutcome` records back.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from pytest_selfheal.alternatives import Contest, Ranking, more_passing, rank
from pytest_selfheal.engine import Engine, Learner, RepairTask
from pytest_selfheal.errors import SelfHealError, SourceError
from pytest_selfheal.evaluate import Evaluator, ProjectLayout, Workload, judge
from pytest_selfheal.evaluate.additions import screen_all
from pytest_selfheal.evaluate.screen import screen
from pytest_selfheal.landing import Landing, RunState, apply_fix, commit_fix, withdraw_fix
from pytest_selfheal.localize import (
    Spectrum,
    is_test_file,
    line_scores,
    lines_run_by,
    localize,
    project_relpath,
)
from pytest_selfheal.missing import find_missing
from pytest_selfheal.models import (
    Assurance,
    Candidate,
    Failure,
    Fitness,
    FunctionRef,
    HealOutcome,
    HealStatus,
    History,
    MissingCode,
    Suspect,
    Verdict,
)
from pytest_selfheal.patches import changed_unit, find_unit, unified_diff
from pytest_selfheal.settings import Settings
from pytest_selfheal.survey import (
    LOCALIZATION_SHARE,
    Box,
    Surveyor,
    measured_durations,
)
from pytest_selfheal.trust import assess, changed_hunks, confirming_tests

if TYPE_CHECKING:
    from pytest_selfheal.evolve import Evolution
    from pytest_selfheal.gitrepo import GitRepo


class Healer:
    """Heals the failures of one test session, one at a time.

    :param nodeids: every test collected in the session, in run order.
    :param repo: the git repository of the project, or ``None`` outside of one.
    :param engine: where candidate fixes come from.
    :param reaching: project files to the node ids of the tests that reach them.
    :param progress: called with short status lines while a heal runs.
    :param observe: called with the verdict of every candidate evaluated.
    :param history: what the session saw of its tests (durations, tests that hung).
    """

    def __init__(
        self,
        settings: Settings,
        layout: ProjectLayout,
        evaluator: Evaluator,
        repo: GitRepo | None,
        engine: Engine,
        reaching: Callable[[Collection[str]], Sequence[str]],
        progress: Callable[[str], None] = lambda line: None,
        observe: Callable[[Verdict], None] = lambda verdict: None,
        history: History | None = None,
    ) -> None:
        self.settings = settings
        self.layout = layout
        self.evaluator = evaluator
        self.repo = repo
        self.engine = engine
        self.reaching = reaching
        self.progress = progress
        self.observe = observe
        self.history = history or History()
        self.state = RunState()
        #: Where each accepted fix went, by node id of its test, until its re-run passed.
        self.landings: dict[str, Landing] = {}
        #: Why ``repo`` is ``None``, as the run's note says it; the caller knows best.
        self.no_repository_reason = "not a git repository"

    # -- reading the project ---------------------------------------------------------

    def read_source(self, relpath: str) -> str:
        """The module's text as this run sees it: the accepted fix, or the file on disk."""
        if relpath in self.state.sources:
            return self.state.sources[relpath]
        try:
            # Bytes, not text mode: CRLF line endings must survive to the diff and commit.
            return (self.layout.root / relpath).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"cannot read {relpath}: {exc}") from exc

    # -- healing -----------------------------------------------------------------------

    def heal(self, failure: Failure) -> HealOutcome:
        """Try to heal ``failure``; never raises for a heal that goes wrong, only reports it."""
        started = time.perf_counter()
        if isinstance(getattr(self.engine, "task_calls", None), int):
            # Counted per failure: a failure skipped before the engine was asked used none.
            self.engine.task_calls = 0  # type: ignore[attr-defined]
        try:
            outcome = self._heal(failure, started)
        except SelfHealError as exc:
            outcome = HealOutcome(tests=(failure.nodeid,), status=HealStatus.ERROR,
                                  reason=str(exc), engine=self.engine.name)
        finally:
            # The session runs on after this heal: forks of it made now would go stale.
            self.evaluator.release()
        outcome = replace(outcome, elapsed_s=time.perf_counter() - started,
                          llm_calls=getattr(self.engine, "task_calls", 0))
        for note in self.evaluator.notes:
            self.state.note(note)
        for suspect in outcome.suspects[:1]:
            self.state.attempted.setdefault(str(suspect.function), outcome)
        return outcome

    def _heal(self, failure: Failure, started: float) -> HealOutcome:
        deadline = started + self.settings.timeout_s
        box = Box(started + LOCALIZATION_SHARE * self.settings.timeout_s)
        survey = Surveyor(self.evaluator, self.history, self.reaching, self.progress)
        alone = survey.failing_alone(failure.nodeid, box)
        hangs = failure.nodeid in self.history.hung
        if alone is not None and not hangs:
            outcome = alone.outcomes.get(failure.nodeid)
            if outcome is None:
                why = alone.problem or alone.first_failure or "not collected"
                return self._outcome(failure, HealStatus.SKIPPED,
                                     f"the test did not run on its own: {why}")
            if outcome in ("passed", "skipped"):
                return self._outcome(failure, HealStatus.SKIPPED,
                                     "the test passes when run on its own: its failure depends "
                                     "on test order, state or timing, which a code edit cannot "
                                     "fix")
        coverage = dict(alone.coverage) if alone is not None else {}
        # Test code (a tests/ package's helpers included) is never a suspect, so its
        # functions are not worth measuring either.
        touched = {relpath for relpath in coverage.get(failure.nodeid, {})
                   if not is_test_file(relpath, self.layout.test_files)}
        touched.update(relpath for frame in failure.frames
                       if (relpath := project_relpath(frame.path, self.layout.root,
                                                      self.layout.test_files)) is not None)
        others = survey.reaching_tests(failure.nodeid, touched, box, lead=not hangs)
        if others.outcomes.get(failure.nodeid, "failed") not in ("failed", "error"):
            return self._outcome(failure, HealStatus.SKIPPED,
                                 "the test does not fail when run with the tests of its "
                                 "suspects: its failure depends on other tests")
        before = {n: o for n, o in others.outcomes.items() if n != failure.nodeid}
        passing = frozenset(n for n, o in before.items() if o == "passed")
        # Every failing test that reaches the same code is evidence, not only this one.
        failing = frozenset({failure.nodeid, *(n for n, o in before.items()
                                               if o in ("failed", "error"))})
        spectrum = Spectrum(coverage, failing, passing, others.reached)
        missing = self._missing(failure)
        if missing is not None:
            # Code the test uses does not exist yet: its future place is the one suspect.
            place = FunctionRef(missing.path, missing.qualname, 0, 0)
            suspects = [Suspect(place, 1.0, "missing")]
        else:
            suspects = localize(failure, self.layout.root, self.layout.test_files,
                                self.read_source, spectrum)
            if not suspects:
                return self._outcome(failure, HealStatus.SKIPPED,
                                     "no project code in the traceback or run by the test")
            earlier = self.state.attempted.get(str(suspects[0].function))
            if earlier is not None and earlier.status is not HealStatus.HEALED:
                return self._outcome(failure, HealStatus.SKIPPED,
                                     f"same suspect as {earlier.tests[0]}, which could not be "
                                     "healed", suspects)
            runners = sorted({n for s in suspects for n in spectrum.tests_running(s.function)
                              if n in passing or n in failing},
                             key=lambda n: others.durations.get(n, 0.0))
            lines = survey.line_coverage(runners, {s.function.path for s in suspects}, box)
            if lines is not None:
                coverage.update(lines.coverage)
                spectrum = Spectrum(coverage, spectrum.failing, passing, others.reached)
        durations = measured_durations(self.history, alone, others)
        return self._search(failure, suspects, spectrum, before, durations, deadline, missing)

    def _search(
        self,
        failure: Failure,
        suspects: list[Suspect],
        spectrum: Spectrum,
        before: Mapping[str, str],
        durations: Mapping[str, float],
        deadline: float,
        missing: MissingCode | None = None,
    ) -> HealOutcome:
        # The tests a candidate must pass: the failing test first, then every test
        # that exercises a suspect and passed before, fastest first.
        covering = {
            nodeid
            for suspect in suspects
            for nodeid in spectrum.tests_running(suspect.function)
            if before.get(nodeid) in ("passed", "skipped")
        }
        expected = {failure.nodeid: "passed"}
        expected.update((nodeid, before[nodeid]) for nodeid in
                        sorted(covering - {failure.nodeid}, key=lambda n: durations.get(n, 0.0)))
        searched, held_out = hold_out(expected)
        # Other tests that failed and ran the top suspect most often fail for the same
        # bug: a fix that repairs them too is preferred to one that only fits this test.
        siblings = {nodeid: "passed"
                    for nodeid in spectrum.tests_running(suspects[0].function)
                    if nodeid != failure.nodeid and before.get(nodeid) == "failed"}
        workload = Workload(expected, durations, deadline, self.history.cut_at)
        self.evaluator.calibrate(workload)
        task = replace(self._task(failure, suspects, spectrum, tuple(searched)), missing=missing)
        if getattr(self.engine, "judges_all", False):
            return self.evolve(failure, suspects, task, workload)
        verdicts: list[Verdict] = []

        def record(verdict: Verdict) -> None:
            verdicts.append(verdict)
            self.observe(verdict)

        winner: Verdict | None = None
        rounds = 0
        out_of_time = False
        tried: list[Candidate] = []
        judged = replace(workload, expected={**searched, **held_out, **siblings})
        while winner is None and len(verdicts) < self.settings.max_candidates:
            candidates = self.engine.propose(task, verdicts)
            if not candidates:
                break
            rounds += 1
            room = self.settings.max_candidates - len(verdicts)
            self.progress(f"round {rounds}: trying {min(len(candidates), room)} candidate fixes "
                          f"of {', '.join(str(s.function) for s in suspects)}")
            tried = candidates[:room]
            winner = self._first_passing(tried, judged, record)
            if time.perf_counter() > deadline:
                out_of_time = winner is None
                break
        if winner is None and siblings:
            winner = self._settle(verdicts, len(expected))
            out_of_time = out_of_time and winner is None
        if isinstance(self.engine, Learner):
            self.engine.record(task, verdicts)
        evaluated = len(verdicts)
        if winner is None:
            if out_of_time:
                reason = (f"time budget of {self.settings.timeout_s:g}s spent after {evaluated} "
                          "candidates (raise --selfheal-timeout)")
            elif evaluated >= self.settings.max_candidates:
                reason = (f"candidate budget of {self.settings.max_candidates} spent "
                          "(raise --selfheal-max-candidates)")
            else:
                reason = (getattr(self.engine, "stop_reason", None)
                          or f"none of the {evaluated} candidate fixes passed the tests")
            return self._outcome(failure, HealStatus.UNHEALED, reason, suspects,
                                 candidates_evaluated=evaluated, generations=rounds,
                                 leaderboard=leaderboard(verdicts),
                                 rejected=_rejections(verdicts))
        ranking = self._rank(failure, winner, tried, judged, verdicts, record, spectrum, before,
                             started=deadline - self.settings.timeout_s)
        winner = ranking.verdicts[0]
        assurance = self._assurance(winner.candidate, list(held_out), spectrum, verdicts,
                                    len(searched), ranking)
        return self._accept(failure, suspects, winner, workload, verdicts,
                            rounds, assurance=assurance)

    def _first_passing(
        self,
        candidates: list[Candidate],
        workload: Workload,
        record: Callable[[Verdict], None],
    ) -> Verdict | None:
        """The first candidate that passes the searched tests and then the held-out ones.

        Each candidate's child runs the searched tests, then the held-out ones, then the
        siblings (other tests that failed and ran the same code), stopping at the first
        failure: the first ``required`` tests of the workload must pass, the siblings
        after them are a preference. So only a candidate that passed every searched test
        meets the held-out ones: one that fails them fits the tests, not the intent, and
        the search goes on. A fix of the siblings too is preferred (see :meth:`_settle`).
        """
        winner = self.evaluator.first_passing(
            candidates,
            workload,
            should_stop=lambda: time.perf_counter() > workload.deadline,
            on_verdict=record,
            reject=self.screen_candidate,
        )
        return winner

    def _settle(self, verdicts: list[Verdict], required: int) -> Verdict | None:
        """When no candidate of any round also fixed the siblings, the first that passed
        every searched and held-out test; only once the search is over, as the engine
        hands candidates out in batches and a later one may fix the siblings too."""
        for index, verdict in enumerate(verdicts):
            if not verdict.rejected and not verdict.passed and verdict.tests_passed >= required:
                self.progress(f"no candidate also fixes the other failing tests of this code; "
                              f"taking {verdict.candidate.description}")
                fallback = replace(verdict, passed=True, reason="passed", tests_total=required)
                verdicts[index] = fallback
                return fallback
        return None

    def evolve(
        self,
        failure: Failure,
        suspects: list[Suspect],
        task: RepairTask,
        workload: Workload,
    ) -> HealOutcome:
        """Search with an engine that :attr:`judges_all`: whole generations, ranked by
        fitness (:mod:`pytest_selfheal.evolve`), the best one verified and committed."""
        # Imported here: the evolve package brings the LLM client (and openai) with it.
        from pytest_selfheal.evolve import Shape, evolve

        shape = Shape(max_candidates=self.settings.max_candidates, deadline=workload.deadline,
                      repeats=self.settings.evolution.timing_runs,
                      noise_floor=self.settings.evolution.noise_floor,
                      patience=self.settings.evolution.patience)
        path = suspects[0].function.path
        evolution = evolve(
            self.engine, task, self.evaluator, workload, shape,
            original=self.read_source(path),
            reject=self.screen_candidate,
            on_verdict=self.observe, progress=self.progress,
            compare_outputs=task.goal == "optimize")
        finish = getattr(self.engine, "finish", None)
        notes = []
        if callable(finish) and evolution.ranked:
            note = finish(evolution.ranked, evolution.scores())
            if note:
                notes.append(note)
        board = tuple(evolution.ranked[:20])
        winner = evolution.winner
        slower = task.goal == "optimize" and winner is not None and not _is_faster(
            evolution, winner, self.settings.evolution.noise_floor)
        if winner is None or slower:
            if slower:
                reason = ("no candidate was faster than the original by more than the noise "
                          f"floor of {self.settings.evolution.noise_floor:.0%}")
            elif evolution.out_of_time:
                reason = (f"time budget of {self.settings.timeout_s:g}s spent after "
                          f"{len(evolution.verdicts)} candidates (raise --selfheal-timeout)")
            else:
                reason = (getattr(self.engine, "stop_reason", None)
                          or f"none of the {len(evolution.verdicts)} candidates of "
                          f"{evolution.generations} generations passed the tests")
            return self._outcome(failure, HealStatus.UNHEALED, reason, suspects,
                                 candidates_evaluated=len(evolution.verdicts),
                                 generations=max(evolution.generations,
                                                 getattr(self.engine, "generations_asked", 0)),
                                 leaderboard=board,
                                 rejected=_rejections(evolution.verdicts),
                                 history=tuple(evolution.history), goal=task.goal,
                                 notes=tuple(notes))
        outcome = self._accept(failure, suspects, winner, workload,
                               evolution.verdicts, evolution.generations, evolution=evolution,
                               goal=task.goal)
        return replace(outcome, leaderboard=board, history=tuple(evolution.history),
                       goal=task.goal, notes=(*outcome.notes, *notes))

    def _missing(self, failure: Failure) -> MissingCode | None:
        """What the failing test needs written, for engines that write missing code."""
        if not getattr(self.engine, "implements_missing", False):
            return None
        frames = [relpath for frame in failure.frames
                  if (relpath := project_relpath(frame.path, self.layout.root,
                                                 self.layout.test_files)) is not None
                  and not is_test_file(relpath, self.layout.test_files)]
        return find_missing(failure, self.layout.modules, self.read_source, frames)

    def _task(
        self, failure: Failure, suspects: list[Suspect], spectrum: Spectrum,
        tests: tuple[str, ...],
    ) -> RepairTask:
        measured = failure.nodeid in spectrum.coverage
        return RepairTask(
            failure=failure,
            suspects=tuple(suspects),
            sources={s.function.path: self.read_source(s.function.path) for s in suspects},
            executed_lines={
                str(s.function): frozenset(lines_run_by(spectrum.failing, s.function,
                                                        spectrum.coverage))
                for s in suspects if measured
            },
            line_scores={str(s.function): line_scores(s.function, spectrum) for s in suspects},
            tests=tests,
        )

    def _accept(
        self,
        failure: Failure,
        suspects: list[Suspect],
        winner: Verdict,
        workload: Workload,
        verdicts: list[Verdict],
        rounds: int,
        evolution: Evolution | None = None,
        goal: str = "repair",
        assurance: Assurance | None = None,
    ) -> HealOutcome:
        candidate = winner.candidate
        if assurance is None:
            assurance = assess([], [], [], None, candidate.function)
        evaluated = len(verdicts)
        files = candidate.files
        old_sources = {relpath: self._old_source(relpath) for relpath in files}
        diff = "".join(unified_diff(old_sources[relpath], text, relpath)
                       for relpath, text in files.items())
        # Re-verify in a fresh copy of the project, every selected test, no early stop.
        self.progress(f"verifying the fix in a fresh process: {candidate.description}")
        run, limit = self.evaluator.verify(files, workload)
        check = judge(candidate, run, workload.expected)
        if not check.passed:
            why = check.reason
            if run.timed_out:
                why += f" twice ({limit})"
            return self._outcome(failure, HealStatus.UNHEALED,
                                 f"the best candidate failed verification: {why}",
                                 suspects, candidates_evaluated=evaluated, diff=diff,
                                 leaderboard=leaderboard(verdicts))
        for relpath, text in files.items():
            self.state.sources[relpath] = text
            self.evaluator.set_source(relpath, text)
        baseline_runtime = workload.tests_s
        fitness = Fitness(
            pass_rate=1.0,
            tests_passed=check.tests_passed,
            tests_total=check.tests_total,
            runtime_s=check.runtime_s,
            baseline_runtime_s=baseline_runtime,
            speedup=None,
        )
        if evolution is not None:
            fitness = _measured(fitness, evolution, winner)
        notes: list[str] = []
        branch = commit = None
        landing = Landing(tuple((relpath, old_sources[relpath], text)
                                for relpath, text in files.items()),
                          self.state.branch, self.state.branch_tip,
                          applied=self.settings.mode == "apply")
        self.landings[failure.nodeid] = landing
        if self.settings.mode != "suggest":
            branch, commit = commit_fix(
                self.repo, self.no_repository_reason, self.state, self.layout.root,
                self.settings.branch_prefix, self.engine, failure, candidate, old_sources,
                fitness, evaluated, notes, goal, assurance)
        if self.settings.mode == "apply":
            for relpath, text in files.items():
                apply_fix(self.layout.root, relpath, old_sources[relpath], text, notes)
        return HealOutcome(
            tests=(failure.nodeid,),
            status=HealStatus.HEALED,
            reason=f"{candidate.description} (in {candidate.function})",
            engine=self.engine.name,
            suspects=tuple(suspects),
            function=candidate.function,
            branch=branch,
            commit=commit,
            files=tuple(files),
            diff=diff,
            change=candidate.description,
            candidates_evaluated=evaluated,
            generations=rounds,
            winner=fitness,
            leaderboard=leaderboard(verdicts, winner=winner),
            rejected=_rejections(verdicts),
            verified=True,
            assurance=assurance.label,
            held_out_tests=assurance.held_out,
            confirming_tests=assurance.confirming,
            doubts=assurance.doubts,
            disagreement=assurance.disagreement,
            signals=assurance.signals,
            new_source=candidate.source,
            changes=tuple((relpath, old_sources[relpath], text)
                          for relpath, text in files.items()),
            notes=tuple(notes),
        )

    def screen_candidate(self, candidate: Candidate) -> str:
        """Why ``candidate`` may not run (``""`` when it may): its function, then
        everything else it changes."""
        function = candidate.function
        old = self._old_source(function.path)
        # Code from a model (an engine with an LLM client) is held to an allowlist; the
        # offline engine's and plugin engines' edits to not adding anything dangerous.
        model_written = getattr(self.engine, "client", None) is not None
        project_modules = {name.split(".")[0] for name in self.layout.modules}
        if (set(candidate.files) == {function.path}
                and changed_unit(old, candidate.source, function.qualname) is not None):
            # Only the function's body changed (every offline mutant): nothing else to
            # screen, and no need to parse the whole module again.
            return screen(old, candidate, model_written=model_written,
                          project_modules=project_modules)
        try:
            is_unit = bool(find_unit(ast.parse(candidate.source), function.qualname))
        except (SyntaxError, ValueError, SourceError):
            is_unit = False  # a class or constant a test needs: screened with the rest
        return ((screen(old, candidate, model_written=model_written,
                        project_modules=project_modules) if is_unit else "")
                or screen_all(self._old_source, candidate))

    def _old_source(self, relpath: str) -> str:
        """The text a fix changes: ``""`` for a module it creates."""
        if relpath not in self.state.sources and not (self.layout.root / relpath).exists():
            return ""
        return self.read_source(relpath)

    def withdraw(self, outcome: HealOutcome, why: str) -> HealOutcome:
        """Take back a heal whose test failed when re-run in the session: its commit, its
        place in the working tree and in every later run; it is UNHEALED with ``why``."""
        landing = self.landings.pop(outcome.tests[0])
        notes = list(outcome.notes)
        withdraw_fix(self.repo, self.state, landing, self.layout.root, notes)
        for path, old, _ in landing.changes:
            self.evaluator.set_source(path, old)
        withdrawn = replace(outcome, status=HealStatus.UNHEALED, reason=why, branch=None,
                            commit=None, verified=False, notes=tuple(notes))
        for suspect in outcome.suspects[:1]:
            self.state.attempted[str(suspect.function)] = withdrawn  # not tried again
        return withdrawn

    def _rank(
        self,
        failure: Failure,
        winner: Verdict,
        candidates: Sequence[Candidate],
        workload: Workload,
        verdicts: list[Verdict],
        record: Callable[[Verdict], None],
        spectrum: Spectrum,
        before: Mapping[str, str],
        started: float,
    ) -> Ranking:
        """``winner`` and the other passing candidates found after it, best first."""
        def judge(rest: Sequence[Candidate], load: Workload, stop_at: float) -> Verdict | None:
            return self.evaluator.first_passing(
                rest, load, should_stop=lambda: time.perf_counter() > stop_at,
                on_verdict=record, reject=self.screen_candidate)

        function = winner.candidate.function
        passing = more_passing(self.evaluator, candidates, winner, workload, verdicts, judge,
                               search_s=time.perf_counter() - started)
        if len(passing) > 1:
            self.progress(f"{len(passing)} candidates pass every test: comparing what they do")
        tests = tuple(n for n in spectrum.tests_running(function) if before.get(n) == "passed")
        contest = Contest(self.evaluator, self.read_source(function.path), tests,
                          (failure.nodeid,), workload.deadline)
        return rank(contest, passing)

    def _assurance(self, candidate: Candidate, held_out: list[str], spectrum: Spectrum,
                   verdicts: Sequence[Verdict], searched: int, ranking: Ranking) -> Assurance:
        """The label of ``candidate``, the winner: held-out tests that ran its changed
        lines and passed confirm it; what the ranking found may cast doubt on it."""
        hunks = changed_hunks(self.read_source(candidate.function.path), candidate.source)
        confirming = confirming_tests(held_out, hunks, candidate.function.path,
                                      spectrum.coverage)
        assurance = assess(held_out, confirming, ranking.signals, ranking.disagreement,
                           candidate.function)
        if held_out and any(not v.passed and not v.rejected and v.tests_passed >= searched
                            for v in verdicts):
            # A candidate that passed every searched test failed a held-out one: the
            # held-out tests chose among candidates, so they no longer confirm the winner.
            assurance = replace(assurance, label="plausible", doubts=(
                *assurance.doubts, "the tests the search never ran rejected another "
                "candidate that passed the others: they chose this fix, they cannot also "
                "confirm it"))
        return assurance

    def _outcome(
        self,
        failure: Failure,
        status: HealStatus,
        reason: str,
        suspects: Sequence[Suspect] = (),
        **fields: object,
    ) -> HealOutcome:
        return HealOutcome(tests=(failure.nodeid,), status=status, reason=reason,
                           engine=self.engine.name, suspects=tuple(suspects),
                           **fields)  # type: ignore[arg-type]


def hold_out(expected: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Split the tests a fix must pass into those the search runs and those it never
    sees, which only judge its winner.

    The failing test (first) is always searched; of the other covering tests every
    third one, and at least one when there are two or more, is held out. With fewer,
    nothing is held out and a fix can only be called plausible.
    """
    nodeids = list(expected)
    others = nodeids[1:]
    held = set(others[2::3]) if len(others) >= 3 else set(others[1:2])
    searched = {n: expected[n] for n in nodeids if n not in held}
    return searched, {n: expected[n] for n in nodeids if n in held}


def leaderboard(
    verdicts: Sequence[Verdict], size: int = 20, winner: Verdict | None = None
) -> tuple[Verdict, ...]:
    """The best ``size`` candidates: the winner, then passing ones, then most tests
    passed, then fastest. (Other passing candidates may not have faced the held-out
    tests: only the winner is sure to have.)"""
    ranked = sorted(verdicts, key=lambda v: (v is not winner, not v.passed, -v.tests_passed,
                                             v.runtime_s))
    return tuple(ranked[:size])


def _is_faster(evolution: Evolution, winner: Verdict, noise_floor: float) -> bool:
    from pytest_selfheal.evolve import Speed
    from pytest_selfheal.evolve.fitness import is_faster

    baseline = evolution.baseline_speed
    return (baseline is not None and bool(winner.samples)
            and is_faster(Speed(winner.samples), baseline, noise_floor))


def _measured(fitness: Fitness, evolution: Evolution, winner: Verdict) -> Fitness:
    """``fitness`` with the speed the evolution measured, side by side with the baseline."""
    from pytest_selfheal.evolve import Speed, speedup

    baseline = evolution.baseline_speed
    if baseline is None or not winner.samples:
        return fitness
    mine = Speed(winner.samples)
    best, median = speedup(baseline, mine)
    return replace(fitness, runtime_s=mine.best, baseline_runtime_s=baseline.best,
                   speedup=best, speedup_median=median,
                   timing_runs=min(len(mine.samples), len(baseline.samples)),
                   spread=max(mine.spread, baseline.spread))


def _rejections(verdicts: Sequence[Verdict]) -> tuple[tuple[str, str], ...]:
    return tuple((v.candidate.description, v.reason) for v in verdicts if v.rejected)
