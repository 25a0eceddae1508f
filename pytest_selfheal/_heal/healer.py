"""Healing one failure: localize, search for a fix, verify it, commit it.

The :class:`Healer` is engine-agnostic glue between the layers below it and knows
nothing of pytest: the session hands it :class:`~pytest_selfheal.models.Failure`
records and gets :class:`~pytest_selfheal.models.HealOutcome` records back.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pytest_selfheal._evaluate import Evaluator, ProjectLayout, Workload, unnoted_files
from pytest_selfheal._evaluate.additions import screen_all
from pytest_selfheal._evaluate.screen import screen
from pytest_selfheal._heal.accept import Win, accept
from pytest_selfheal._heal.dodges import (
    search_past_dodges,
    unhealed_after_dodges,
    with_refusals,
)
from pytest_selfheal._heal.labelling import label, undecided
from pytest_selfheal._heal.localize import (
    SUSPECTS,
    Spectrum,
    is_test_file,
    line_scores,
    lines_run_by,
    localize,
    nested_bodies,
    project_relpath,
)
from pytest_selfheal._heal.missing import find_missing
from pytest_selfheal._heal.order import order_note
from pytest_selfheal._heal.outcomes import (
    candidate_diff,
    heal_outcome,
    leaderboard,
    rejections,
)
from pytest_selfheal._heal.rounds import why_no_winner
from pytest_selfheal._heal.selection import Baseline, select
from pytest_selfheal._heal.siblings import held_back_reason
from pytest_selfheal._heal.survey import (
    LOCALIZATION_SHARE,
    REACH_SHARE,
    Box,
    Surveyor,
    measured_durations,
    ran_files,
    reached_in,
)
from pytest_selfheal._settings import Settings
from pytest_selfheal._source.patches import changed_unit, find_unit
from pytest_selfheal._vcs.landing import Landing, RunState, withdraw_fix
from pytest_selfheal.engines.base import Engine, RepairTask
from pytest_selfheal.errors import SelfHealError, SourceError
from pytest_selfheal.models import (
    Candidate,
    Failure,
    FunctionRef,
    HealOutcome,
    HealStatus,
    History,
    MissingCode,
    Suspect,
    Verdict,
)

if TYPE_CHECKING:
    from pytest_selfheal._vcs.gitrepo import GitRepo


@dataclass(frozen=True)
class Project:
    """The project being healed, as the test session knows it.

    :param repo: the git repository of the project, or ``None`` outside of one.
    :param no_repository_reason: why ``repo`` is ``None``, as the run's note says it.
    :param reaching: project files to the node ids of the tests that reach them.
    :param history: what the session saw of its tests (durations, tests that hung).
    """

    layout: ProjectLayout
    repo: GitRepo | None
    reaching: Callable[[Collection[str]], Sequence[str]]
    history: History = field(default_factory=History)
    no_repository_reason: str = "not a git repository"


@dataclass(frozen=True)
class Listeners:
    """Who hears about a heal while it runs.

    :param progress: called with short status lines.
    :param observe: called with the verdict of every candidate evaluated.
    """

    progress: Callable[[str], None] = lambda line: None
    observe: Callable[[Verdict], None] = lambda verdict: None


class Healer:
    """Heals the failures of one test session, one at a time.

    :param engine: where candidate fixes come from.
    :param state: the run's state (its id, the fixes accepted so far), new by default.
    """

    def __init__(
        self,
        settings: Settings,
        project: Project,
        evaluator: Evaluator,
        engine: Engine,
        state: RunState | None = None,
        listeners: Listeners = Listeners(),
    ) -> None:
        self.settings = settings
        self.layout = project.layout
        self.evaluator = evaluator
        self.repo = project.repo
        self.no_repository_reason = project.no_repository_reason
        self.engine = engine
        self.reaching = project.reaching
        self.progress = listeners.progress
        self.observe = listeners.observe
        self.history = project.history
        self.state = state or RunState()
        #: Where each accepted fix went, by node id of its test, until its re-run passed.
        self.landings: dict[str, Landing] = {}

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
        # Counted per failure: a failure skipped before the engine was asked used none.
        self.engine.task_calls = 0
        try:
            outcome = self._heal(failure, started)
        except SelfHealError as exc:
            outcome = HealOutcome(tests=(failure.nodeid,), status=HealStatus.ERROR,
                                  reason=str(exc), engine=self.engine.name)
        finally:
            # The session runs on after this heal: forks of it made now would go stale.
            self.evaluator.release()
        outcome = replace(outcome, elapsed_s=time.perf_counter() - started,
                          llm_calls=self.engine.task_calls)
        for note in self.evaluator.notes:
            self.state.note(note)
        for suspect in outcome.suspects[:1]:
            self.state.attempted.setdefault(str(suspect.function), outcome)
        return outcome

    def _heal(self, failure: Failure, started: float) -> HealOutcome:
        deadline = started + self.settings.timeout_s
        box = Box(started + LOCALIZATION_SHARE * self.settings.timeout_s)
        survey = Surveyor(self.evaluator, self.history, self.reaching, self.progress,
                          frozenset(self.layout.modules.values()))
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
        touched = {relpath for relpath in ran_files(alone, failure.nodeid)
                   if not is_test_file(relpath, self.layout.test_files)}
        touched.update(relpath for frame in failure.frames
                       if (relpath := project_relpath(frame.path, self.layout.root,
                                                      self.layout.test_files)) is not None)
        others = survey.reaching_tests(failure.nodeid, touched, box.share(REACH_SHARE),
                                       hung=hangs)
        if others.outcomes.get(failure.nodeid, "failed") not in ("failed", "error"):
            return self._outcome(failure, HealStatus.SKIPPED,
                                 "the test does not fail when run with the tests of its "
                                 "suspects: its failure depends on other tests")
        before = {n: o for n, o in others.outcomes.items() if n != failure.nodeid}
        passing = frozenset(n for n, o in before.items() if o == "passed")
        # Every failing test that reaches the same code is evidence, not only this one.
        failing = frozenset({failure.nodeid, *(n for n, o in before.items()
                                               if o in ("failed", "error"))})
        # Only the failing test's lines were measured so far: where closures are in them.
        nested = nested_bodies(self.read_source, coverage.get(failure.nodeid, {}))
        # A failing test too slow for line coverage noted the functions it entered; when
        # it ran again first in the children of the step after, what it noted there counts.
        reached = {**reached_in(alone, touched), **others.reached}
        spectrum = Spectrum(coverage, failing, passing, reached, nested,
                            frozenset(touched - unnoted_files(others.notes, touched)))
        missing = self._missing(failure)
        if missing is not None:
            # Code the test uses does not exist yet: its future place is the one suspect.
            place = FunctionRef(missing.path, missing.qualname, 0, 0)
            suspects = [Suspect(place, 1.0, "missing")]
        else:
            # Twice as many functions as are searched get their lines measured: one that
            # a passing test only enters to leave early ranks below the searched ones by
            # its entries alone, and may rank above them by its lines.
            suspects = localize(failure, self.layout.root, self.layout.test_files,
                                self.read_source, spectrum, limit=2 * SUSPECTS)
            # Failing tests first: without their lines, no line of a suspect stands out.
            runners = sorted({n for s in suspects for n in spectrum.tests_running(s.function)
                              if (n in passing or n in failing) and n not in coverage},
                             key=lambda n: (n not in failing, others.durations.get(n, 0.0)))
            lines = survey.line_coverage(runners, {s.function.path for s in suspects}, box)
            if lines is not None:
                coverage.update(lines.coverage)
                spectrum = replace(spectrum, coverage=coverage, passing=passing,
                                   nested={**nested, **nested_bodies(self.read_source, {
                                       path for files in lines.coverage.values()
                                       for path in files} - set(nested))})
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
        baseline = Baseline(before, measured_durations(self.history, alone, others),
                            self.history.cut_at)
        return self._search(failure, suspects, spectrum, baseline, deadline, missing)

    def _search(self, failure: Failure, suspects: list[Suspect], spectrum: Spectrum,
                baseline: Baseline, deadline: float, missing: MissingCode | None
                ) -> HealOutcome:
        selection = select(failure, suspects, spectrum, baseline, deadline, self.read_source)
        self.evaluator.calibrate(selection.workload)
        task = replace(self._task(failure, suspects, spectrum, tuple(selection.searched)),
                       missing=missing)
        if self.engine.judges_all:
            return self.evolve(failure, suspects, task, selection.workload)
        found, ranking, refusals = search_past_dodges(self, failure, task, selection, spectrum,
                                                      baseline)
        self.engine.record(task, found.verdicts)
        selection = found.selection or selection
        evaluated = len(found.verdicts)
        if found.winner is None:
            diff = ""
            if found.held_back is not None:
                reason = held_back_reason(found.held_back, selection)
                diff = candidate_diff(found.held_back.candidate, self.old_source)
            else:
                reason = why_no_winner(found, self.settings, self.engine)
            outcome = replace(self._outcome(failure, HealStatus.UNHEALED, reason, suspects),
                              candidates_evaluated=evaluated, generations=found.rounds,
                              diff=diff, leaderboard=leaderboard(found.verdicts),
                              rejected=rejections(found.verdicts))
            if refusals.first is not None and found.held_back is None:
                outcome = unhealed_after_dodges(self, failure, suspects, found, refusals.first,
                                                reason)
        else:
            assert ranking is not None
            outcome = (undecided(self, failure, suspects, found, ranking) if ranking.undecided
                       else accept(self, Win(failure, suspects, ranking.verdicts[0],
                                             selection.workload, found.verdicts, found.rounds,
                                             assurance=label(self, found, selection, spectrum,
                                                             ranking))))
        outcome = with_refusals(outcome, refusals.notes)
        if found.order_dependent:
            outcome = replace(outcome, notes=(*outcome.notes,
                                              order_note(found.order_dependent)))
        return outcome

    def evolve(
        self,
        failure: Failure,
        suspects: list[Suspect],
        task: RepairTask,
        workload: Workload,
    ) -> HealOutcome:
        """Search with an engine that :attr:`~pytest_selfheal.engines.base.Engine.judges_all`:
        whole generations, ranked by fitness, the best one verified and committed."""
        # Imported here: the evolve package brings the LLM client (and openai) with it.
        from pytest_selfheal.engines._evolve.adapter import run_evolution
        from pytest_selfheal.engines._evolve.search import Judging

        judging = Judging(
            self.evaluator,
            reject=self.screen_candidate, on_verdict=self.observe, progress=self.progress)
        evolved = run_evolution(self.engine, task, workload, judging, self.settings)
        evolution = evolved.evolution
        if evolved.winner is None:
            return replace(self._outcome(failure, HealStatus.UNHEALED, evolved.reason, suspects),
                           candidates_evaluated=len(evolution.verdicts),
                           generations=max(evolution.generations,
                                           self.engine.generations_asked),
                           leaderboard=evolved.board,
                           rejected=rejections(evolution.verdicts),
                           history=tuple(evolution.history), goal=task.goal,
                           notes=evolved.notes)
        outcome = accept(self, Win(failure, suspects, evolved.winner, workload,
                                   evolution.verdicts, evolution.generations, goal=task.goal,
                                   evolved=evolved))
        return replace(outcome, leaderboard=evolved.board, history=tuple(evolution.history),
                       goal=task.goal, notes=(*outcome.notes, *evolved.notes))

    def _missing(self, failure: Failure) -> MissingCode | None:
        """What the failing test needs written, for engines that write missing code."""
        if not self.engine.implements_missing:
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

    def screen_candidate(self, candidate: Candidate) -> str:
        """Why ``candidate`` may not run (``""`` when it may): its function, then
        everything else it changes."""
        function = candidate.function
        old = self.old_source(function.path)
        # Code from a model (an engine with an LLM client) is held to an allowlist; the
        # offline engine's and plugin engines' edits to not adding anything dangerous.
        model_written = self.engine.client is not None
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
                or screen_all(self.old_source, candidate))

    def old_source(self, relpath: str) -> str:
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

    def _outcome(self, failure: Failure, status: HealStatus, reason: str,
                 suspects: Sequence[Suspect] = ()) -> HealOutcome:
        return heal_outcome(failure, self.engine.name, status, reason, suspects)
