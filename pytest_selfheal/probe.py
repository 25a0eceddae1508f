"""Running selected tests in a child process and streaming what happens to the parent.

Two kinds of children use it. A fresh ``python -m pytest`` started by the subprocess
path loads :class:`Probe` as a plugin (``-p pytest_selfheal.probe``), configured by the
JSON file named in ``SELFHEAL_PROBE``. A fork of the session (the zygote path) calls
:func:`run_items` on the items the session already collected. Either way: only the
selected tests run, in the given order, stopping at the first one that does not end as
expected; every phase report is one JSON line (see
:mod:`pytest_selfheal.evaluate.events`); per-test coverage is measured on request.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pytest

# No public API runs an item's setup, call and teardown without logging its reports,
# nor gives a fork of the session a setup state of its own; both are what re-running
# collected items in a child needs (pytest-forked and pytest-rerunfailures do the same).
from _pytest.runner import SetupState, runtestprotocol

# Applies the project's filterwarnings to an item, as the session's own protocol does.
from _pytest.warnings import catch_warnings_for_item

from pytest_selfheal.coverage_map import TestCoverage
from pytest_selfheal.evaluate.contain import Isolation, Limits, apply_limits, isolate
from pytest_selfheal.evaluate.events import outcome_of_phases, shorten
from pytest_selfheal.evaluate.overlay import CoverageSpec
from pytest_selfheal.models import EXIT_WRONG_IMPORT

Emit = Callable[[dict[str, Any]], None]


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


class Probe:
    """The plugin of a fresh child pytest process; one instance per child."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.select: list[str] = settings["select"]
        self.expect_files: dict[str, str] = settings.get("expect_modules", {})
        self.tracker = Tracker(settings.get("expected", {}), settings.get("exitfirst", False))
        self._events: IO[str] = open(settings["events"], "a", encoding="utf-8")  # noqa: SIM115
        self._coverage: TestCoverage | None = None
        self._coverage_out: str | None = None
        if settings.get("coverage"):
            spec = CoverageSpec(**settings["coverage"])
            self._coverage = TestCoverage(spec.roots, spec.omit, spec.data_file)
            self._coverage_out = spec.out
        self._session: pytest.Session | None = None

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
        order = {nodeid: index for index, nodeid in enumerate(self.select)}
        selected = sorted((item for item in items if item.nodeid in order),
                          key=lambda item: order[item.nodeid])
        deselected = [item for item in items if item.nodeid not in order]
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
        if self._coverage is not None:
            self._coverage.start()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.emit({"event": "start", "nodeid": nodeid})
        if self._coverage is not None:
            self._coverage.switch(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        event = report_event(report)
        self.emit(event)
        if self.tracker.should_stop(event) and self._session is not None:
            self._session.shouldstop = f"{report.nodeid} did not end as expected"

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, None, None]:
        if self._coverage is not None and self._coverage_out is not None:
            Path(self._coverage_out).write_text(json.dumps(self._coverage.stop()))
        self.emit({"event": "finish", "exitstatus": int(exitstatus)})
        self._events.close()
        return (yield)


def pytest_configure(config: pytest.Config) -> None:
    """Register the probe when this process was started by pytest-selfheal."""
    path = os.environ.get("SELFHEAL_PROBE")
    if not path:
        return
    settings = json.loads(Path(path).read_text(encoding="utf-8"))
    notes: list[str] = []
    if settings.get("isolation"):
        isolation = settings["isolation"]
        notes = isolate(Isolation(network=isolation["network"],
                                  readonly=tuple(isolation["readonly"])))[1]
    apply_limits(Limits(**settings["limits"]))
    probe = Probe(settings)
    for note in notes:
        probe.emit({"event": "note", "message": note})
    config.pluginmanager.register(probe, "selfheal-probe")


def run_items(
    session: pytest.Session,
    nodeids: Sequence[str],
    expected: Mapping[str, str],
    exitfirst: bool,
    emit: Emit,
    coverage: CoverageSpec | None,
) -> None:
    """Run already-collected items in a fork of the session (the zygote path).

    The fork gets a setup state of its own: fixtures it sets up it also tears down,
    while the session's higher-scoped fixture values are reused from the cache and
    never finalized here, so nothing the parent owns is torn down by a child.
    """
    config = session.config
    items = {item.nodeid: item for item in session.items}
    selected = [items[nodeid] for nodeid in nodeids if nodeid in items]
    session._setupstate = SetupState()
    session.shouldstop = session.shouldfail = False
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        # tmp_path of a child goes to its own temporary directory, not the session's.
        factory._basetemp = None
        factory._given_basetemp = Path(os.environ["TMPDIR"]) / "basetemp"
    measure = None
    if coverage is not None:
        measure = TestCoverage(coverage.roots, coverage.omit, coverage.data_file)
        measure.start()
    tracker = Tracker(expected, exitfirst)
    for index, item in enumerate(selected):
        nextitem = selected[index + 1] if index + 1 < len(selected) else None
        emit({"event": "start", "nodeid": item.nodeid})
        if measure is not None:
            measure.switch(item.nodeid)
        with catch_warnings_for_item(config, ihook=item.ihook, when="runtest", item=item):
            reports = runtestprotocol(item, log=False, nextitem=nextitem)
        stop = False
        for report in reports:
            event = report_event(report)
            emit(event)
            stop = tracker.should_stop(event) or stop
        if stop:
            break
    if measure is not None:
        Path(coverage.out).write_text(json.dumps(measure.stop()))  # type: ignore[union-attr]
    emit({"event": "finish", "exitstatus": 0})
