"""Running selected tests in a child process and streaming what happens to the parent.

Two kinds of children use it. A fresh ``python -m pytest`` started by the subprocess
path loads :class:`Probe` as a plugin (``-p pytest_selfheal.plugin._probe``), configured by the
JSON file named in ``SELFHEAL_PROBE``. A fork of the session (the zygote path) calls
:func:`run_items` on the items the session already collected. Either way: only the
selected tests run, in the given order, stopping at the first one that does not end as
expected; every phase report is one JSON line (see
:mod:`pytest_selfheal._evaluate.events`); per-test coverage and the functions each test
enters are measured when the :class:`~pytest_selfheal._evaluate.spec.RunSpec` asks.
"""

from __future__ import annotations

import json
import linecache
import os
import sys
import time
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import IO, Any

import pytest

# No public API runs an item's setup, call and teardown without logging its reports,
# nor gives a fork of the session a setup state of its own; both are what re-running
# collected items in a child needs (pytest-forked and pytest-rerunfailures do the same).
from _pytest.runner import SetupState, runtestprotocol

# Applies the project's filterwarnings to an item, as the session's own protocol does.
from _pytest.warnings import catch_warnings_for_item

from pytest_selfheal._evaluate.contain import Limits, apply_limits
from pytest_selfheal._evaluate.coverage_map import TestCoverage
from pytest_selfheal._evaluate.events import outcome_of_phases, shorten
from pytest_selfheal._evaluate.reach import UNNOTED, EntryRecorder
from pytest_selfheal._evaluate.spec import RunSpec
from pytest_selfheal.models import EXIT_WRONG_IMPORT

Emit = Callable[[dict[str, Any]], None]


def _machinery() -> dict[str, object]:
    """What turns a test's outcome into an event, by name: candidate code that replaces
    any of it (found through ``sys.modules``) could report a failure as a pass."""
    import _pytest.reports
    import _pytest.runner

    found: dict[str, object] = {
        "pytest_selfheal.plugin._probe.report_event": report_event,
        "pytest_selfheal.plugin._probe.Tracker.should_stop": Tracker.should_stop,
        "pytest_selfheal.plugin._probe.Probe.pytest_runtest_logreport":
            Probe.pytest_runtest_logreport,
        "pytest_selfheal.plugin._probe.Probe.emit": Probe.emit,
        "pytest_selfheal.plugin._probe.run_items": run_items,
        "_pytest.runner.runtestprotocol": _pytest.runner.runtestprotocol,
        "_pytest.runner.call_and_report": _pytest.runner.call_and_report,
        "_pytest.runner.CallInfo.from_call": _pytest.runner.CallInfo.from_call,
        "_pytest.reports.TestReport": _pytest.reports.TestReport,
        "_pytest.reports.TestReport.from_item_and_call":
            _pytest.reports.TestReport.from_item_and_call,
        "_pytest.reports.BaseReport.passed": _pytest.reports.BaseReport.__dict__.get("passed"),
        "pytest.TestReport": pytest.TestReport,
        "os._exit": os._exit,
        "json.dumps": json.dumps,
    }
    for name in ("pytest_selfheal.plugin._probe", "_pytest.runner", "_pytest.reports", "json",
                 "os"):
        found[f"sys.modules[{name!r}]"] = sys.modules.get(name)
    return found


class Integrity:
    """The reporting machinery as it was before candidate code ran, to tell afterwards
    whether it is still the same: code and all.

    In-process, so code that knows of this check can defeat it too; it is one of the
    channels that must agree (with the events and a plain pytest run's exit status),
    not a proof.
    """

    def __init__(self) -> None:
        self._before = {name: (value, getattr(value, "__code__", None))
                        for name, value in _machinery().items()}

    def problem(self) -> str:
        """``""`` while the machinery is intact, else what was replaced."""
        for name, value in _machinery().items():
            if (value, getattr(value, "__code__", None)) != self._before.get(name):
                return f"the candidate replaced the test reporting machinery ({name})"
        return ""


def report_event(report: pytest.TestReport) -> dict[str, Any]:
    """The ``report`` event of one phase of a test."""
    outcome: str = report.outcome
    if report.when != "call" and report.failed:
        outcome = "error"
    message = ""
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = getattr(crash, "message", "") or report.longreprtext.strip().splitlines()[-1:][0]
    return {
        "event": "report",
        "nodeid": report.nodeid,
        "when": report.when,
        "outcome": outcome,
        "duration": report.duration,
        "message": shorten(message.splitlines()[0] if message else "", 300),
        "longrepr": shorten(report.longreprtext) if report.failed else "",
    }


class Tracker:
    """Follows the phases of each test to tell when one ended other than expected."""

    def __init__(self, expected: Mapping[str, str], exitfirst: bool) -> None:
        self.expected = expected
        self.exitfirst = exitfirst
        self._phases: dict[str, dict[str, str]] = {}

    def should_stop(self, event: Mapping[str, Any]) -> bool:
        phases = self._phases.setdefault(event["nodeid"], {})
        phases[event["when"]] = event["outcome"]
        outcome = outcome_of_phases(phases)
        if outcome is None or not self.exitfirst:
            return False
        return outcome != self.expected.get(event["nodeid"], "passed")


class Measures:
    """What a child measures per test besides outcomes: line coverage, functions entered.

    The time the measuring itself takes (starting coverage, instrumenting, writing what
    was measured) is reported at the end, so that what a run costs without measuring,
    as candidates run, can be told from it.
    """

    def __init__(self, spec: RunSpec, emit: Emit) -> None:
        self._spec = spec
        self._emit = emit
        self._coverage: TestCoverage | None = None
        self._entries: EntryRecorder | None = None
        self._spent = 0.0

    def start(self) -> None:
        began = time.perf_counter()
        spec = self._spec
        if spec.coverage is not None:
            self._coverage = TestCoverage(spec.coverage.roots, spec.coverage.omit,
                                          spec.coverage.data_file, spec.coverage.files)
            self._coverage.start()
        if spec.reach is not None:
            self._entries = EntryRecorder(spec.reach)
            for problem in self._entries.problems:
                self._emit({"event": "note", "message": f"{UNNOTED}{problem}"})
        self._spent += time.perf_counter() - began

    def begin(self, nodeid: str) -> None:
        """A test starts: what runs from now on is its own."""
        began = time.perf_counter()
        if self._coverage is not None:
            self._coverage.switch(nodeid)
        if self._entries is not None:
            self._entries.take()  # entered before the test began: not the test's
        self._spent += time.perf_counter() - began

    def end(self, nodeid: str) -> None:
        """A test ended: say which functions it entered."""
        if self._entries is not None:
            self._emit({"event": "reach", "nodeid": nodeid, "functions": self._entries.take()})

    def stop(self) -> None:
        began = time.perf_counter()
        if self._coverage is not None:
            self._coverage.stop()
        self._spent += time.perf_counter() - began
        if self._coverage is not None or self._entries is not None:
            self._emit({"event": "measuring", "seconds": self._spent})


class Probe:
    """The plugin of a fresh child pytest process; one instance per child."""

    def __init__(self, spec: RunSpec, events: str, expect_files: Mapping[str, str]) -> None:
        self.spec = spec
        self.expect_files = expect_files
        self.tracker = Tracker(spec.expected, spec.exitfirst)
        self._events: IO[str] = open(events, "a", encoding="utf-8")  # noqa: SIM115
        self._measures: Measures | None = None
        self._session: pytest.Session | None = None
        self._integrity = Integrity()  # before the project, and the candidate, is imported

    def emit(self, event: dict[str, Any]) -> None:
        self._events.write(json.dumps(event) + "\n")
        # Flushed at once: the parent may kill this process at any moment.
        self._events.flush()

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._session = session

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        order = {nodeid: index for index, nodeid in enumerate(self.spec.nodeids)}

        def place(item: pytest.Item) -> int | None:
            # A test module's path selects every test in it (a module that could not be
            # collected in the session has no test ids yet).
            found = order.get(item.nodeid)
            return order.get(item.nodeid.split("::", 1)[0]) if found is None else found

        selected = sorted((item for item in items if place(item) is not None),
                          key=lambda item: place(item) or 0)
        deselected = [item for item in items if place(item) is None]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.emit({"event": "collect-error", "nodeid": report.nodeid,
                       "longrepr": shorten(str(report.longrepr))})

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for module, expected in self.expect_files.items():
            loaded = sys.modules.get(module)
            actual = getattr(loaded, "__file__", None)
            if actual is not None and os.path.realpath(actual) != os.path.realpath(expected):
                self.emit({"event": "wrong-import", "module": module, "file": actual})
                pytest.exit(f"{module} was imported from {actual}, not {expected}",
                            returncode=EXIT_WRONG_IMPORT)
        # Made after collection: the modules to instrument are imported by then.
        self._measures = Measures(self.spec, self.emit)
        self._measures.start()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.emit({"event": "start", "nodeid": nodeid})
        if self._measures is not None:
            self._measures.begin(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        event = report_event(report)
        self.emit(event)
        if self.tracker.should_stop(event) and self._session is not None:
            self._session.shouldstop = f"{report.nodeid} did not end as expected"

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        if self._measures is not None:
            self._measures.end(nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, None, None]:
        if self._measures is not None:
            self._measures.stop()
        tampered = self._integrity.problem()
        if tampered:
            self.emit({"event": "tampered", "message": tampered})
        self.emit({"event": "finish", "exitstatus": int(exitstatus)})
        self._events.close()
        return (yield)


def pytest_configure(config: pytest.Config) -> None:
    """Register the probe when this process was started by pytest-selfheal."""
    path = os.environ.get("SELFHEAL_PROBE")
    if not path:
        return
    settings = json.loads(Path(path).read_text(encoding="utf-8"))
    apply_limits(Limits(**settings["limits"]))
    probe = Probe(RunSpec.from_json(settings["spec"]), settings["events"],
                  settings.get("expect_modules", {}))
    config.pluginmanager.register(probe, "selfheal-probe")


#: Capture objects a fork server left behind: kept alive, so that their files, whose
#: descriptors now point at /dev/null, are never closed under a number reused since.
_ABANDONED: list[object] = []


def restart_capture(config: pytest.Config) -> None:
    """In a fork server: capture tests' output into files of the server's own, not the
    session's (its descriptors were swept)."""
    # No public API restarts global capturing; this is what pytest's own
    # start_global_capturing expects to find when it starts for the first time.
    capman = config.pluginmanager.get_plugin("capturemanager")
    if capman is None or capman._global_capturing is None:
        return
    _ABANDONED.append(capman._global_capturing)
    capman._global_capturing = None
    capman.start_global_capturing()


#: The hooks whose implementations' frames are in a failing test's traceback.
_RUNTEST_HOOKS = ("pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_teardown",
                  "pytest_pyfunc_call")


#: The session's items by node id, made once in the session for every fork.
_ITEMS_BY_ID = pytest.StashKey[dict[str, pytest.Item]]()


def prepare_forks(session: pytest.Session) -> None:
    """Do once in the session what every fork would otherwise do for itself.

    A fork writes to every page it touches (reference counts), so each copies the
    pages of whatever it walks: the map of the session's items by node id is made here.
    A fork's failure report is Python's own traceback (see :func:`run_items`), which
    shows the line of every frame from pytest's runner down, pluggy's and the plugins'
    included: their source is read into ``linecache`` here.
    """
    session.stash[_ITEMS_BY_ID] = {item.nodeid: item for item in session.items}
    config = session.config
    files = {path for name, module in list(sys.modules.items())
             if name.partition(".")[0] == "pluggy"
             and isinstance(path := getattr(module, "__file__", None), str)}
    for hook in _RUNTEST_HOOKS:
        for implementation in getattr(config.hook, hook).get_hookimpls():
            code = getattr(implementation.function, "__code__", None)
            if code is not None:
                files.add(code.co_filename)
    for path in sorted(files):
        linecache.getlines(path)


def run_items(session: pytest.Session, spec: RunSpec, emit: Emit) -> None:
    """Run already-collected items in a fork of the session (the zygote path).

    The fork gets a setup state of its own: fixtures it sets up it also tears down,
    while the session's higher-scoped fixture values are reused from the cache and
    never finalized here, so nothing the parent owns is torn down by a child.
    """
    config = session.config
    # Python's own traceback format: as clear to a reader or a model, and it costs the
    # same however deep the failure, where pytest's long format reads and parses the
    # source of every frame (in a fresh fork, more than a small test takes to run).
    config.option.tbstyle = "native"
    items = session.stash.get(_ITEMS_BY_ID, {})
    if len(items) != len(session.items):
        items = {item.nodeid: item for item in session.items}
    selected = [items[nodeid] for nodeid in spec.nodeids if nodeid in items]
    # Session._setupstate (private, no public API) is the stack of set-up nodes that
    # runtestprotocol tears down: a fresh one makes the fork tear down only what it set up.
    session._setupstate = SetupState()
    session.shouldstop = session.shouldfail = False
    # Config._tmp_path_factory (private) is where the tmpdir plugin keeps the session's
    # base temporary directory: its _basetemp caches the directory made, _given_basetemp
    # is what --basetemp sets. Resetting both sends the child's tmp_path to its own
    # TMPDIR. getattr: the attribute is missing with -p no:tmpdir.
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        factory._basetemp = None
        factory._given_basetemp = Path(os.environ["TMPDIR"]) / "basetemp"
    measures = Measures(spec, emit)
    measures.start()
    tracker = Tracker(spec.expected, spec.exitfirst)
    # Before any test runs: a swapped-in candidate runs only when a test calls it.
    intact = Integrity()
    for index, item in enumerate(selected):
        nextitem = selected[index + 1] if index + 1 < len(selected) else None
        emit({"event": "start", "nodeid": item.nodeid})
        measures.begin(item.nodeid)
        with catch_warnings_for_item(config, ihook=item.ihook, when="runtest", item=item):
            reports = runtestprotocol(item, log=False, nextitem=nextitem)
        stop = False
        for report in reports:
            event = report_event(report)
            emit(event)
            stop = tracker.should_stop(event) or stop
        measures.end(item.nodeid)
        if stop:
            break
    measures.stop()
    tampered = intact.problem()
    if tampered:
        emit({"event": "tampered", "message": tampered})
    emit({"event": "finish", "exitstatus": 0})
