"""The session plugin: catches failures, heals them, reloads the fixes, reports.

Registered by :mod:`pytest_selfheal.plugin` only when ``--selfheal`` is given. Healing
happens right after a failing test has finished (setup, call and teardown), so the fix
is in place for the tests that run after it; the failing test is then run once more in
this session to confirm. The original reports are never changed: a test that failed is
reported as failed and the exit code is what the tests decided.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
import time
from collections.abc import Collection, Generator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, cast

import pytest

# runtestprotocol has no public equivalent: it runs an item's setup, call and teardown
# without logging reports, which is what re-running a healed test in the session needs
# (pytest-rerunfailures relies on it the same way).
from _pytest.runner import runtestprotocol

from pytest_selfheal import __version__
from pytest_selfheal.errors import NotARepositoryError, ReloadError
from pytest_selfheal.models import Failure, Frame, HealOutcome, HealStatus, History
from pytest_selfheal.redaction import add_secret, escape_controls, redact, redact_data
from pytest_selfheal.report import json_report, summary_lines
from pytest_selfheal.settings import Settings

# The healing machinery (evaluation, engines, coverage, git) is imported at the first
# failure, inside the functions below: a green suite never pays for it.
if TYPE_CHECKING:
    from pytest_selfheal.evaluate import Evaluator, ProjectLayout
    from pytest_selfheal.gitrepo import GitRepo
    from pytest_selfheal.healer import Healer
    from pytest_selfheal.llm import LLMClient


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
        # Taken out of the environment at once: no child, forked or started, may see it.
        # Only the LLM client gets it; fork servers overwrite every copy they inherit.
        key = os.environ.pop(settings.llm.api_key_env, None)
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
            failure = _failure(item, call.excinfo, report)
            self._failures[item.nodeid] = failure
            if _timed_out(failure):
                self.history.hung.add(item.nodeid)
                limit = _timeout_of(failure)
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
        if self._healer is None:
            return []
        client = _engine_client(self._healer)
        return [*self._healer.state.notes, *(client.notes if client is not None else [])]

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        notes = self._notes()
        lines = summary_lines(self.outcomes, notes, verbose=self.config.get_verbosity() > 0)
        if self._html_path is not None:
            lines.append(f"HTML report: {_shown(self._html_path, self.config)}")
        if lines:
            terminalreporter.section("selfheal")
            for line in lines:
                terminalreporter.write_line(escape_controls(redact(line)))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._optimize(session)
        if self._evaluator is not None:
            self._evaluator.close()
        save = getattr(self._healer.engine, "save", None) if self._healer else None
        if callable(save):
            save()  # what the engine learned (the offline engine's operator rates)
        if self._healer is None and self.settings.report_path is None:
            return  # a green run: nothing to report
        # Runs before the terminal summary (the terminal reporter writes it from its own
        # sessionfinish wrapper), so the summary can name the HTML report.
        notes = self._notes()
        client = _engine_client(self._healer) if self._healer is not None else None
        report = json_report(
            self.outcomes, notes, version=__version__, provider=self.settings.provider,
            started=self.started, elapsed_s=time.time() - self.started,
            model=self.settings.llm.model if self.settings.uses_llm else None,
            budget=client.budget.report() if client is not None else None,
            seed=(self.settings.evolution.seed if any(o.history for o in self.outcomes)
                  else None),
        )
        report = cast(dict[str, Any], redact_data(report))  # for the HTML page too
        if self._healer is not None:
            report["run_id"] = self._healer.state.run_id
            self._write_html_report(report, self._healer.state.run_id)
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
        from pytest_selfheal.html_report import render
        from pytest_selfheal.statedir import write_html_report

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
            from pytest_selfheal.evaluate import Evaluator, Isolation, Zygote
            from pytest_selfheal.healer import Healer
            from pytest_selfheal.offline import OfflineEngine
            from pytest_selfheal.probe import restart_capture, run_items

            layout = _layout(self.config, self._items, [path for path, _ in self._broken])
            repo, no_repository_reason = _discover_repository(layout.root)
            zygote = Zygote(runner=functools.partial(run_items, session),
                            root=str(layout.root),
                            restart=functools.partial(restart_capture, self.config),
                            secrets=tuple(self._key_environment.values()))
            isolation = Isolation(network=self.settings.network == "isolated")
            self._evaluator = Evaluator(layout, self.settings.workers,
                                        zygote if self.settings.evaluator == "auto" else None,
                                        isolation)
            engine = self.config.hook.pytest_selfheal_make_engine(
                config=self.config, settings=self.settings)
            if engine is None and self.settings.uses_llm:
                # Imported here: openai costs an import that offline runs need not pay.
                from pytest_selfheal.refine import make_refine_engine

                run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
                if self.settings.evolution.engine == "evolve":
                    from pytest_selfheal.evolve.engine import make_evolve_engine

                    engine = make_evolve_engine(self.settings, layout.root, run_id,
                                                layout.test_files, env=self._environment())
                else:
                    engine = make_refine_engine(self.settings, layout.root, run_id,
                                                layout.test_files, env=self._environment())
            engine = engine or OfflineEngine(root=layout.root)
            self._healer = Healer(self.settings, layout, self._evaluator, repo, engine,
                                  reaching=functools.partial(_tests_reaching, self._items,
                                                             layout),
                                  progress=lambda line: self._write(f"  {line}"),
                                  observe=lambda verdict: self.config.hook.
                                  pytest_selfheal_candidate_evaluated(verdict=verdict),
                                  history=self.history)
            if repo is None:
                self._healer.no_repository_reason = no_repository_reason
        return self._healer

    def _heal(self, item: pytest.Item, nextitem: pytest.Item | None, failure: Failure) -> None:
        self._write(f"{item.nodeid} failed; healing with the {self.settings.provider} engine")
        healer = self._get_healer(item.session)
        stopped = _engine_client(healer)
        if stopped is not None and stopped.stopped is not None:
            # The endpoint already refused this run (a wrong key, an unknown model):
            # said once, at the first failure; the others are skipped without a call.
            outcome = HealOutcome(tests=(failure.nodeid,), status=HealStatus.SKIPPED,
                                  reason=f"healing stopped: {stopped.stopped}",
                                  engine=healer.engine.name)
        else:
            outcome = healer.heal(failure)
        if outcome.status is HealStatus.HEALED and outcome.new_source is not None:
            outcome = self._reload_and_rerun(item, nextitem, outcome, healer)
        self.outcomes.append(outcome)
        where = f" -> {outcome.branch}" if outcome.branch else ""
        self._write(f"{outcome.status}: {outcome.reason} ({outcome.elapsed_s:.1f}s, "
                    f"{outcome.candidates_evaluated} candidates){where}")
        self.config.hook.pytest_selfheal_heal_finished(outcome=outcome)

    def _heal_import_error(self, session: pytest.Session, test_path: str, report: str) -> None:
        """Write the code a test module failed to import, when it is missing project code."""
        from pytest_selfheal.import_heal import heal_import_error

        if not self.settings.uses_llm:
            return  # only a model writes missing code
        try:
            test_source = (self.config.rootpath / test_path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        healer = self._get_healer(session)
        client = _engine_client(healer)
        if client is not None and client.stopped is not None:
            return
        outcome = heal_import_error(healer, test_path, report, test_source)
        if outcome is None:
            return
        if outcome.status is HealStatus.HEALED:
            # Later imports in this session see the new code of a module already loaded;
            # the test module itself cannot be imported again in it.
            from pytest_selfheal.reload import swap_changes

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
        from pytest_selfheal.evolve import EvolveEngine
        from pytest_selfheal.evolve.engine import make_evolve_engine
        from pytest_selfheal.optimizer import optimize

        healer = self._get_healer(session)
        engine = healer.engine
        if not isinstance(engine, EvolveEngine):
            # Shares the refine engine's client: one budget for the whole run.
            client = _engine_client(healer)
            run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
            engine = make_evolve_engine(self.settings, healer.layout.root, run_id,
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

    def _reload_and_rerun(
        self, item: pytest.Item, nextitem: pytest.Item | None, outcome: HealOutcome,
        healer: Healer,
    ) -> HealOutcome:
        assert outcome.new_source is not None
        assert outcome.function is not None
        from pytest_selfheal.reload import swap, swap_changes

        function = outcome.function
        path = str(healer.layout.root / function.path)
        try:
            if outcome.changes:
                for relpath, old, new in outcome.changes:
                    swap_changes(str(healer.layout.root / relpath), old, new)
            else:
                swap(path, function.qualname, outcome.new_source)
        except ReloadError as exc:
            # Forked children would judge the old code from now on: stop forking.
            healer.evaluator.zygote = None
            return replace(outcome, notes=(*outcome.notes, f"not reloaded: {exc}"))
        self._rerunning = True
        try:
            reports = runtestprotocol(item, log=False, nextitem=nextitem)
        finally:
            self._rerunning = False
        failed = [report for report in reports if not (report.passed or report.skipped)]
        outcome = replace(outcome, reloaded=True, rerun_outcome="failed" if failed else "passed")
        if not failed:
            healer.landings.pop(item.nodeid, None)
            return outcome
        # The verdict was wrong (or forged): the fix goes, from the session first.
        old_source = healer.landings[item.nodeid].old_source
        try:
            if outcome.changes:
                for relpath, old, new in outcome.changes:
                    swap_changes(str(healer.layout.root / relpath), new, old)
            else:
                swap(path, function.qualname, old_source)
        except ReloadError as exc:
            healer.evaluator.zygote = None
            outcome = replace(outcome, notes=(*outcome.notes, f"not reloaded back: {exc}"))
        crash = getattr(failed[0].longrepr, "reprcrash", None)
        message = getattr(crash, "message", "") or "failed"
        message = message.splitlines()[0]
        return healer.withdraw(outcome, f"the healed test failed when re-run in this session "
                                        f"({failed[0].when}: {message[:300]}); the fix was "
                                        "withdrawn")


def _engine_client(healer: Healer) -> LLMClient | None:
    """The LLM client of the healer's engine, when it has one."""
    if "pytest_selfheal.llm" not in sys.modules:
        return None  # no LLM engine was ever made in this process
    from pytest_selfheal.llm import LLMClient

    client = getattr(healer.engine, "client", None)
    return client if isinstance(client, LLMClient) else None


def _tests_reaching(items: Sequence[pytest.Item], layout: ProjectLayout,
                    paths: Collection[str]) -> list[str]:
    """Node ids of the tests whose modules use, directly or through other project
    modules, any of the project files ``paths``."""
    from pytest_selfheal.localize import importers_closure

    files_by_module = dict(layout.modules)
    graph = {relpath: _project_references(sys.modules.get(name), files_by_module)
             for name, relpath in files_by_module.items()}
    reached = importers_closure(graph, set(paths))
    selected = []
    for item in items:
        module = getattr(item, "module", None)
        if _project_references(module, files_by_module) & reached:
            selected.append(item.nodeid)
    return selected


def _project_references(module: object, files_by_module: Mapping[str, str]) -> set[str]:
    """Project files whose modules, functions or classes ``module`` holds a name of."""
    found: set[str] = set()
    for value in list(getattr(module, "__dict__", {}).values()):
        name = value.__name__ if isinstance(value, ModuleType) else getattr(
            value, "__module__", None)
        if isinstance(name, str) and name in files_by_module:
            found.add(files_by_module[name])
    return found


def _discover_repository(root: Path) -> tuple[GitRepo | None, str]:
    """The project's repository, or ``None`` and why there is none to write branches to."""
    try:
        # Imported here: GitPython refuses to import at all where git is not installed,
        # and healing must still run (and report its diffs) on such a machine.
        from pytest_selfheal.gitrepo import GitRepo

        return GitRepo.discover(root), ""
    except NotARepositoryError as exc:
        return None, str(exc)
    except ImportError as exc:
        return None, f"GitPython cannot be used ({exc})"


def _shown(path: Path, config: pytest.Config) -> str:
    """``path`` relative to where pytest was started, when it is below it."""
    try:
        return str(path.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(path)


def _failure(
    item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException], report: pytest.TestReport
) -> Failure:
    frames = []
    tb: TracebackType | None = excinfo.tb
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(Frame(path=code.co_filename, lineno=tb.tb_lineno, qualname=code.co_qualname))
        tb = tb.tb_next
    return Failure(
        nodeid=item.nodeid,
        when=report.when,
        exception_type=excinfo.typename,
        message=str(excinfo.value)[:2000],
        longrepr=report.longreprtext[-4000:],
        frames=tuple(frames),
        test_source=_test_source(item),
    )


def _timed_out(failure: Failure) -> bool:
    """Whether pytest-timeout cut the test off: it loops or waits forever, and running it
    again costs its whole timeout again."""
    return failure.exception_type == "Failed" and failure.message.startswith(
        ("Timeout (>", "Timeout >"))


def _timeout_of(failure: Failure) -> float | None:
    """The seconds in pytest-timeout's ``Timeout (>5.0s) from pytest-timeout``."""
    number = failure.message.removeprefix("Timeout (>").removeprefix("Timeout >")
    number = number.split("s", 1)[0]
    try:
        return float(number)
    except ValueError:
        return None


def _test_source(item: pytest.Item) -> str:
    """The test function's source, shown to the model; ``""`` when it has none."""
    function = getattr(item, "function", None)
    try:
        return inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        return ""


def _layout(config: pytest.Config, items: list[pytest.Item],
            broken: Sequence[str] = ()) -> ProjectLayout:
    """The project as this session sees it; ``broken`` test modules (that could not be
    collected) are test files too."""
    from pytest_selfheal.evaluate import ProjectLayout
    from pytest_selfheal.localize import is_test_file, project_relpath

    root = config.rootpath
    # A doctest's path is the library module it is written in (`--doctest-modules`):
    # counting it as a test file would keep that module's code from being healed.
    test_files = sorted({
        os.path.relpath(item.path, root).replace(os.sep, "/")
        for item in items
        if item.path.is_relative_to(root) and type(item).__name__ != "DoctestItem"
    } | set(broken))
    inipath = config.inipath
    inifile = None
    if inipath is not None:
        inifile = (os.path.relpath(inipath, root).replace(os.sep, "/")
                   if inipath.is_relative_to(root) else str(inipath))
    modules: dict[str, str] = {}
    import_roots: set[str] = set()
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if not isinstance(filename, str):
            continue
        relpath = project_relpath(filename, root, test_files)
        if relpath is None or is_test_file(relpath, test_files):
            continue
        # The directory the module's top-level package was imported from: its path
        # minus the dotted name (src/shopkit/cart.py as shopkit.cart -> src).
        stem = relpath.removesuffix(".py").removesuffix("/__init__")
        dotted = name.replace(".", "/")
        if stem != dotted and not stem.endswith("/" + dotted):
            continue  # imported under a name that does not match its path
        modules[name] = relpath
        import_roots.add(stem[: len(stem) - len(dotted)].rstrip("/") or ".")
    invocation = config.invocation_params.dir
    workdir = (os.path.relpath(invocation, root).replace(os.sep, "/")
               if invocation.is_relative_to(root) else ".")
    return ProjectLayout(root=root, inifile=inifile, test_files=tuple(test_files),
                         import_roots=tuple(sorted(import_roots)), modules=modules,
                         workdir=workdir)

