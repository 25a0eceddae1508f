"""The pytest plugin loaded into child test runs (``-p pytest_selfheal.probe``).

A child is a fresh ``python -m pytest`` started by :mod:`pytest_selfheal.evaluate`
inside a scratch copy of the project. This plugin, configured through the JSON file
named by ``SELFHEAL_PROBE``, runs only the selected tests in the given order, applies
resource limits to its own process, checks that the project's modules were imported
from the scratch copy, optionally records per-test coverage, and streams every report
to a JSON-lines file, so the parent learns what happened even when it has to kill
the child.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_selfheal.coverage_map import TestCoverage
from pytest_selfheal.models import EXIT_WRONG_IMPORT


class Probe:
    """Streams events to the parent; one instance per child process."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.select: list[str] = config["select"]
        self.expect_files: dict[str, str] = config.get("expect_modules", {})
        self._events = open(config["events"], "a", encoding="utf-8")  # noqa: SIM115
        self._coverage: TestCoverage | None = None
        self._coverage_out: str | None = None
        if config.get("coverage"):
            spec = config["coverage"]
            self._coverage = TestCoverage(spec["roots"], spec["omit"], spec["data_file"])
            self._coverage_out = spec["out"]

    def emit(self, **event: Any) -> None:
        self._events.write(json.dumps(event) + "\n")
        # Flushed at once: the parent may kill this process at any moment.
        self._events.flush()

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
            self.emit(event="collect-error", nodeid=report.nodeid,
                      longrepr=_short(str(report.longrepr)))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for module, expected in self.expect_files.items():
            loaded = sys.modules.get(module)
            actual = getattr(loaded, "__file__", None)
            if actual is not None and os.path.realpath(actual) != os.path.realpath(expected):
                self.emit(event="wrong-import", module=module, file=actual, expected=expected)
                pytest.exit(f"{module} was imported from {actual}, not {expected}",
                            returncode=EXIT_WRONG_IMPORT)
        if self._coverage is not None:
            self._coverage.start()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.emit(event="start", nodeid=nodeid)
        if self._coverage is not None:
            self._coverage.switch(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome: str = report.outcome
        if report.when != "call" and report.failed:
            outcome = "error"
        self.emit(
            event="report",
            nodeid=report.nodeid,
            when=report.when,
            outcome=outcome,
            duration=report.duration,
            longrepr=_short(report.longreprtext) if report.failed else "",
        )

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, None, None]:
        if self._coverage is not None and self._coverage_out is not None:
            Path(self._coverage_out).write_text(json.dumps(self._coverage.stop()))
        self.emit(event="finish", exitstatus=int(exitstatus))
        self._events.close()
        return (yield)


def _short(text: str, limit: int = 4000) -> str:
    return text if len(text) <= limit else text[: limit // 2] + "\n...\n" + text[-limit // 2 :]


def _apply_limits(limits: dict[str, int]) -> None:
    """Cap this process: a runaway candidate is killed by the kernel, not awaited."""
    names = {"cpu_s": resource.RLIMIT_CPU, "file_bytes": resource.RLIMIT_FSIZE,
             "address_space": resource.RLIMIT_AS}
    for key, limit_id in names.items():
        if key in limits:
            hard = resource.getrlimit(limit_id)[1]
            value = limits[key]
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(limit_id, (value, hard if key != "cpu_s" else value + 1))


def pytest_configure(config: pytest.Config) -> None:
    """Register the probe when this process was started by pytest-selfheal."""
    path = os.environ.get("SELFHEAL_PROBE")
    if not path:
        return
    settings = json.loads(Path(path).read_text(encoding="utf-8"))
    _apply_limits(settings.get("limits", {}))
    config.pluginmanager.register(Probe(settings), "selfheal-probe")
