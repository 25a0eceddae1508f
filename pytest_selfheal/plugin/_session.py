"""The session plugin: catches failures, heals them, reloads the fixes, reports.

Registered by :mod:`pytest_selfheal.plugin` only when ``--selfheal`` is given. Healing
happens right after a failing test has finished (setup, call and teardown), so the fix
is in place for the tests that run after it; the failing test is then run once more in
this session to confirm. The original reports are never changed: a test that failed is
reported as failed and the exit code is what the tests decided.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Generator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

# runtestprotocol has no public equivalent: it runs an item's setup, call and teardown
# without logging reports, which is what re-running a healed test in the session needs
# (pytest-rerunfailures relies on it the same way).
from _pytest.runner import runtestprotocol

from pytest_selfheal import __version__
from pytest_selfheal._redaction import add_secret, escape_controls, redact, redact_data
from pytest_selfheal._reports.report import RunFacts, json_report, summary_lines
from pytest_selfheal._settings import Settings
from pytest_selfheal.errors import ReloadError
from pytest_selfheal.models import Failure, HealOutcome, HealStatus, History
from pytest_selfheal.plugin._failures import failure_record, timed_out, timeout_of
from pytest_selfheal.plugin._project import discover_repository, project_layout, tests_reaching
from pytest_selfheal.plugin._rerun import reload_and_rerun
from pytest_selfheal.plugin._xdist import (
    Gathered,
    XdistController,
    is_controller,
    merged_budget,
    send_to_controller,
    shared_run,
    worker_id,
)

# The healing machinery (evaluation, engines, coverage, git) is imported at the first
# failure, inside the functions below: a green suite never pays for it.
if TYPE_CHECKING:
    from pytest_selfheal._evaluate import Evaluator
    from pytest_selfheal._evaluate.spec import RunSpec
    from pytest_selfheal._heal.healer import Healer
    from pytest_selfheal.plugin._probe import Emit


class SelfHealSession:
    """Heals the failures of one pytest session."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.started = time.time()
        self.outcomes: list[HealOutcome] = []
        self._failures: dict[str, Failure] = {}
        self.history = History()
        self._items: list[pytest.Item] = []
        self._healer: Healer | None = None
        self._evaluator: Evaluator | None = None
        self._rerunning = False
        self._html_path: Path | None = None
        #: Test modules that could not be collected, with their error reports.
        self._broken: list[tuple[str, str]] = []
        # Under pytest-xdist the workers heal and the controller reports what they send.
        self.worker = worker_id(config)
        self._shared = shared_run(config)
        self._controller: XdistController | None = None
        if is_controller(config):
            self._controller = XdistController(datetime.now(), settings.branch_prefix)
            config.pluginmanager.register(self._controller, "selfheal-xdist")
        # Taken out of the environment at once: no child, forked or started, may see it.
        # Only the LLM client gets it; fork servers overwrite every copy they inherit.
        # The xdist controller runs no test and leaves it to the workers it starts, which
        # ask the model and take it out of their own environment in turn.
        key = (os.environ.get if self._controller is not None else os.environ.pop)(
            settings.llm.api_key_env, None)
        self._key_environment = {settings.llm.api_key_env: key} if key else {}
        add_secret(key)

    # -- hooks -------------------------------------------------------------------------

    def pytest_report_header(self) -> list[str]:
        return [self.settings.header, *(f"selfheal: {note}" for note in self.settings.notes)]

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and report.nodeid.endswith(".py"):
            self._broken.append((report.nodeid, report.longreprtext))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._items = list(session.items)
        if not self._for_the_whole_suite:
            return
        for test_path, text in self._broken:
            self._heal_import_error(session, test_path, text)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if self._rerunning:
            return report
        self.history.durations[item.nodeid] = (
            self.history.durations.get(item.nodeid, 0.0) + report.duration)
        if (
            report.failed
            and report.when in ("setup", "call")
            and call.excinfo is not None
            and item.nodeid not in self._failures
        ):
            failure = failure_record(item, call.excinfo, report)
            self._failures[item.nodeid] = failure
            if timed_out(failure):
                self.history.hung.add(item.nodeid)
                limit = timeout_of(failure)
                if limit is not None:
                    self.history.cut_at[item.nodeid] = limit
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        result = yield
        failure = self._failures.pop(item.nodeid, None)
        if failure is not None and not self._rerunning:
            self._heal(item, nextitem, failure)
        return result

    def _notes(self) -> list[str]:
        gathered = self._gathered()
        if self._healer is None:
            return gathered.notes if gathered is not None else []
        client = self._healer.engine.client
        return [*self._healer.state.notes, *(client.notes if client is not None else [])]

    @property
    def _for_the_whole_suite(self) -> bool:
        """Whether this process heals what concerns no one test: modules that failed to
        import, optimization targets. Every xdist worker collects every module, so the
        first worker alone does; the controller collects nothing."""
        return self._controller is None and self.worker in (None, "gw0")

    def _gathered(self) -> Gathered | None:
        return self._controller.gathered if self._controller is not None else None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        notes = self._notes()
        gathered = self._gathered()
        lines = summary_lines(self.outcomes, notes, verbose=self.config.get_verbosity() > 0,
                              workers=gathered.workers if gathered is not None else ())
        if self._html_path is not None:
            lines.append(f"HTML report: {_shown(self._html_path, self.config)}")
        if lines:
            terminalreporter.section("selfheal")
            for line in lines:
                terminalreporter.write_line(escape_controls(redact(line)))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._for_the_whole_suite:
            self._optimize(session)
        if self._evaluator is not None:
            self._evaluator.close()
        if self._healer is not None:
            self._healer.engine.save()
        client = self._healer.engine.client if self._healer is not None else None
        budget = client.budget.report() if client is not None else None
        if self.worker is not None:
            if self._healer is not None:  # xdist sends it once this hook has run
                send_to_controller(self.config, self.outcomes, self._notes(), budget)
            return
        run_id = self._healer.state.run_id if self._healer is not None else None
        gathered = self._gathered()
        if gathered is not None and self._controller is not None:
            self.outcomes = gathered.outcomes
            budget, run_id = merged_budget(gathered.budgets), self._controller.run_id
        if run_id is None and self.settings.report_path is None:
            return  # a green run: nothing to report
        # Runs before the terminal summary (the terminal reporter writes it from its own
        # sessionfinish wrapper), so the summary can name the HTML report.
        report = json_report(self.outcomes, self._notes(), RunFacts(
            version=__version__, provider=self.settings.provider,
            started=self.started, elapsed_s=time.time() - self.started,
            model=self.settings.llm.model if self.settings.uses_llm else None,
            budget=budget,
            seed=(self.settings.evolution.seed if any(o.history for o in self.outcomes)
                  else None),
        ), workers=gathered.workers if gathered is not None else ())
        report = cast(dict[str, Any], redact_data(report))  # for the HTML page too
        if run_id is not None:
            report["run_id"] = run_id
            self._write_html_report(report, run_id)
        if self.settings.report_path is None:
            return
        path = self.settings.report_path
        if not path.is_absolute():
            path = self.config.invocation_params.dir / path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            self._write(f"could not write the JSON report to {path}: {exc}")

    def _write_html_report(self, report: dict[str, Any], run_id: str) -> None:
        from pytest_selfheal._reports.html_report import render
        from pytest_selfheal._statedir import write_html_report

        try:
            self._html_path = write_html_report(self.config.rootpath, run_id, render(report))
        except OSError as exc:
            self._write(f"could not write the HTML report: {exc}")

    # -- healing -----------------------------------------------------------------------

    def _write(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(escape_controls(redact(f"selfheal: {line}")))

    def _get_healer(self, session: pytest.Session) -> Healer:
        if self._healer is None:
            from pytest_selfheal._evaluate import Evaluator, Isolation, Zygote
            from pytest_selfheal._heal.healer import Healer, Listeners, Project
            from pytest_selfheal._vcs.landing import RunState
            from pytest_selfheal.engines._offline import OfflineEngine
            from pytest_selfheal.engines.base import Engine
            from pytest_selfheal.plugin._probe import prepare_forks, restart_capture

            layout = project_layout(self.config, self._items, [path for path, _ in self._broken])
            repo, no_repository_reason = discover_repository(layout.root)
            zygote = Zygote(runner=functools.partial(self._run_in_fork, session),
                            root=str(layout.root),
                            restart=functools.partial(restart_capture, self.config),
                            secrets=tuple(self._key_environment.values()))
            prepare_forks(session)
            isolation = Isolation(network=self.settings.network == "isolated")
            executor = None
            if self.settings.executor is not None:
                from pytest_selfheal._evaluate.dask_executor import DaskExecutor

                executor = DaskExecutor(self.settings.executor, layout)
            self._evaluator = Evaluator(layout, self.settings.workers,
                                        zygote if self.settings.evaluator == "auto" else None,
                                        isolation, executor)
            # One id for the whole run: the store's, the commit trailers', the reports'.
            state = RunState() if self._shared is None else RunState(
                started=self._shared.started, shared_branch=self._shared.branch)
            engine = self.config.hook.pytest_selfheal_make_engine(
                config=self.config, settings=self.settings)
            if engine is not None and not isinstance(engine, Engine):
                raise pytest.UsageError(
                    f"pytest_selfheal_make_engine returned {engine!r}, which is not an "
                    "Engine: subclass pytest_selfheal.engines.base.Engine")
            if engine is None and self.settings.uses_llm:
                # Imported here: openai costs an import that offline runs need not pay.
                from pytest_selfheal.engines._refine.engine import make_refine_engine

                if self.settings.evolution.engine == "evolve":
                    from pytest_selfheal.engines._evolve.engine import make_evolve_engine

                    engine = make_evolve_engine(self.settings, layout.root, state.run_id,
                                                layout.test_files, env=self._environment())
                else:
                    engine = make_refine_engine(self.settings, layout.root, state.run_id,
                                                layout.test_files, env=self._environment())
            engine = engine or OfflineEngine(root=layout.root)
            project = Project(layout, repo,
                              reaching=functools.partial(tests_reaching, self._items, layout),
                              history=self.history,
                              no_repository_reason=no_repository_reason)
            listeners = Listeners(
                progress=lambda line: self._write(f"  {line}"),
                observe=lambda verdict: self.config.hook.pytest_selfheal_candidate_evaluated(
                    verdict=verdict))
            self._healer = Healer(self.settings, project, self._evaluator, engine, state,
                                  listeners)
        return self._healer

    def _heal(self, item: pytest.Item, nextitem: pytest.Item | None, failure: Failure) -> None:
        self._write(f"{item.nodeid} failed; healing with the {self.settings.provider} engine")
        healer = self._get_healer(item.session)
        stopped = healer.engine.client
        if stopped is not None and stopped.stopped is not None:
            # The endpoint already refused this run (a wrong key, an unknown model):
            # said once, at the first failure; the others are skipped without a call.
            outcome = HealOutcome(tests=(failure.nodeid,), status=HealStatus.SKIPPED,
                                  reason=f"healing stopped: {stopped.stopped}",
                                  engine=healer.engine.name)
        else:
            outcome = healer.heal(failure)
        if outcome.status is HealStatus.HEALED and outcome.new_source is not None:
            outcome = reload_and_rerun(outcome, healer, item.nodeid,
                                       functools.partial(self._rerun, item, nextitem))
        self.outcomes.append(outcome)
        where = f" -> {outcome.branch}" if outcome.branch else ""
        self._write(f"{outcome.status}: {outcome.reason} ({outcome.elapsed_s:.1f}s, "
                    f"{outcome.candidates_evaluated} candidates){where}")
        self.config.hook.pytest_selfheal_heal_finished(outcome=outcome)

    def _heal_import_error(self, session: pytest.Session, test_path: str, report: str) -> None:
        """Write the code a test module failed to import, when it is missing project code."""
        from pytest_selfheal._heal.import_heal import heal_import_error

        if not self.settings.uses_llm:
            return  # only a model writes missing code
        try:
            test_source = (self.config.rootpath / test_path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        healer = self._get_healer(session)
        client = healer.engine.client
        if client is not None and client.stopped is not None:
            return
        outcome = heal_import_error(healer, test_path, report, test_source)
        if outcome is None:
            return
        if outcome.status is HealStatus.HEALED:
            # Later imports in this session see the new code of a module already loaded;
            # the test module itself cannot be imported again in it.
            from pytest_selfheal._source.reload import swap_changes

            try:
                for relpath, old, new in outcome.changes:
                    swap_changes(str(healer.layout.root / relpath), old, new)
            except ReloadError as exc:
                healer.evaluator.zygote = None
                outcome = replace(outcome, notes=(*outcome.notes, f"not reloaded: {exc}"))
        self.outcomes.append(outcome)
        self._write(f"{outcome.status}: {outcome.reason} ({outcome.elapsed_s:.1f}s, "
                    f"{outcome.candidates_evaluated} candidates)")
        self.config.hook.pytest_selfheal_heal_finished(outcome=outcome)

    def _optimize(self, session: pytest.Session) -> None:
        """Make the ``--selfheal-optimize`` and ``selfheal_optimize`` targets faster."""
        targets = list(self.settings.evolution.optimize)
        for item in self._items:
            for marker in item.iter_markers("selfheal_optimize"):
                targets.extend(str(arg) for arg in marker.args if str(arg) not in targets)
        if not targets:
            return
        if not self.settings.uses_llm:
            self._write("optimization needs an LLM endpoint (OPENAI_BASE_URL or "
                        "OPENAI_API_KEY); the selfheal_optimize targets were left alone")
            return
        from pytest_selfheal._heal.optimizer import optimize
        from pytest_selfheal.engines._evolve import EvolveEngine
        from pytest_selfheal.engines._evolve.engine import make_evolve_engine

        healer = self._get_healer(session)
        engine = healer.engine
        if not isinstance(engine, EvolveEngine):
            # Shares the refine engine's client: one budget for the whole run.
            client = healer.engine.client
            engine = make_evolve_engine(self.settings, healer.layout.root, healer.state.run_id,
                                        healer.layout.test_files, client=client,
                                        env=self._environment())
        for target in dict.fromkeys(targets):
            self._write(f"optimizing {target} with the evolve engine")
            outcome = optimize(healer, engine, target)
            self.outcomes.append(outcome)
            self._write(f"{outcome.status}: {outcome.reason} ({outcome.elapsed_s:.1f}s, "
                        f"{outcome.candidates_evaluated} candidates)")
            self.config.hook.pytest_selfheal_heal_finished(outcome=outcome)

    def _environment(self) -> dict[str, str]:
        """The environment the LLM client is made from: the session's, with the key."""
        return {**os.environ, **self._key_environment}

    def _run_in_fork(self, session: pytest.Session, spec: RunSpec, emit: Emit) -> None:
        """Run a candidate's tests in a fork: no report there is this session's to keep."""
        from pytest_selfheal.plugin._probe import run_items

        self._rerunning = True
        run_items(session, spec, emit)

    def _rerun(self, item: pytest.Item, nextitem: pytest.Item | None) -> list[pytest.TestReport]:
        """Run ``item`` again in this session, unreported and unhealed."""
        self._rerunning = True
        try:
            return runtestprotocol(item, log=False, nextitem=nextitem)
        finally:
            self._rerunning = False

def _shown(path: Path, config: pytest.Config) -> str:
    """``path`` relative to where pytest was started, when it is below it."""
    try:
        return str(path.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(path)
