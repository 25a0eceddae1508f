"""What one child run is asked to do, in records both kinds of child understand.

A fork of the session and a fresh pytest process run tests the same way (see
:mod:`pytest_selfheal.plugin._probe`): the selected tests in the given order, stopping at the first
that does not end as expected when asked to, measuring what the spec asks for. The specs
cross a process boundary as JSON, so they hold only plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CoverageSpec:
    """Per-test line coverage, and where the child keeps it.

    :param roots: directories whose Python files are measured, when ``files`` is empty.
    :param files: the only files measured (absolute paths), when given: measuring just
        the suspect modules costs far less than measuring the whole project.
    :param omit: glob patterns of files never measured (the tests themselves).
    :param data_file: coverage.py's data file, which the parent reads after the run;
        each test's lines are in it as soon as the next test starts, so a child cut off
        by a time limit still leaves what it measured.
    :param branches: also record arcs (from line, to line) between lines.
    """

    roots: tuple[str, ...]
    omit: tuple[str, ...]
    data_file: str
    files: tuple[str, ...] = ()
    branches: bool = False


@dataclass(frozen=True)
class ReachSpec:
    """Which functions each test enters, recorded without tracing anything else.

    :param sources: absolute path of a loaded project module to its current text; every
        function of it is instrumented to note its own entry.
    :param relpaths: the same absolute paths to their project-relative paths, which the
        events name functions by.
    """

    sources: Mapping[str, str]
    relpaths: Mapping[str, str]


@dataclass(frozen=True)
class RunSpec:
    """One run of selected tests.

    :param nodeids: the tests, in the order they run.
    :param expected: node id to the outcome it must have; with ``exitfirst`` the run stops
        at the first test that ends otherwise (a test not listed must pass).
    :param compare_outputs: check, call by call, that the candidate returns what the
        original code returns (forks only).
    :param record: record what the candidate's function does in each test: each call's
        arguments and result, the lines it runs (forks only, see
        :mod:`~pytest_selfheal._evaluate.behaviour`).
    :param explore: after the tests, call the function on inputs made from the arguments
        the tests called it with, and report what it gives (with ``record``).
    """

    nodeids: tuple[str, ...]
    expected: Mapping[str, str] = field(default_factory=dict)
    exitfirst: bool = False
    coverage: CoverageSpec | None = None
    reach: ReachSpec | None = None
    compare_outputs: bool = False
    record: bool = False
    explore: bool = False

    def to_json(self) -> dict[str, Any]:
        """The spec as plain values."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSpec:
        """The spec :meth:`to_json` gave."""
        coverage = data.get("coverage")
        reach = data.get("reach")
        return cls(
            nodeids=tuple(data["nodeids"]),
            expected=dict(data.get("expected") or {}),
            exitfirst=bool(data.get("exitfirst")),
            coverage=None if coverage is None else CoverageSpec(
                roots=tuple(coverage["roots"]), omit=tuple(coverage["omit"]),
                data_file=coverage["data_file"], files=tuple(coverage.get("files", ())),
                branches=bool(coverage.get("branches"))),
            reach=None if reach is None else ReachSpec(sources=dict(reach["sources"]),
                                                       relpaths=dict(reach["relpaths"])),
            compare_outputs=bool(data.get("compare_outputs")),
            record=bool(data.get("record")),
            explore=bool(data.get("explore")),
        )
