"""The event stream a child test run sends back, and how it becomes a :class:`TestRun`.

A child (a fresh pytest process, or a fork of the session) writes one JSON object per
line as things happen: ``start`` (a test begins), ``report`` (one phase of it ended),
``collect-error``, ``swap-error`` (the candidate could not be loaded), ``crash`` (the
runner itself failed), ``mismatch`` (the candidate returned something else than the
original code for the same arguments), ``reach`` (the project functions a test entered),
``measuring`` (the seconds that measuring coverage or reach took), ``tampered`` (the
reporting machinery was replaced during the run), ``behaviour``, ``seeds`` and
``output`` (what the function under repair did, see
:mod:`~pytest_selfheal._evaluate.behaviour`), ``note`` and ``finish``. Lines are flushed
at once, so when a child has to be killed the parent still knows which test it was in.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_selfheal.models import EXIT_WRONG_IMPORT, Behaviour, TestRun

#: Longest text kept from a failure report.
LONGREPR_LIMIT = 4000


def shorten(text: str, limit: int = LONGREPR_LIMIT) -> str:
    """Keep the start and the end of a long text."""
    return text if len(text) <= limit else text[: limit // 2] + "\n...\n" + text[-limit // 2 :]


def seconds(value: float) -> str:
    """A time limit as people read it: ``0.05s``, ``1.3s``."""
    return f"{value:.2f}s" if value < 1 else f"{value:.1f}s"


def outcome_of_phases(phases: Mapping[str, str]) -> str | None:
    """A test's outcome from its phases' outcomes; ``None`` until it has ended."""
    if phases.get("call") == "failed":
        return "failed"
    if "error" in phases.values():
        return "error"
    if phases.get("setup") == "skipped":
        return "skipped"
    if "call" in phases and "teardown" in phases:
        return phases["call"]
    return None


@dataclass(frozen=True)
class Ending:
    """How the child process ended, as the parent saw it."""

    exit_code: int | None
    wall_s: float
    timed_out: bool
    timeout_s: float
    output_tail: str = ""
    cpu_s: float | None = None


def _problem(ending: Ending, finished: bool) -> str:
    if ending.timed_out:
        return f"timed out after {seconds(ending.timeout_s)}"
    code = ending.exit_code
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by {name}"
    if code == EXIT_WRONG_IMPORT:
        return "imported the project from outside the scratch copy: " + ending.output_tail
    if not finished:
        why = f": {ending.output_tail}" if code is None and ending.output_tail else ""
        return f"the test process ended abruptly with exit code {code}{why}"
    if code in (2, 3, 4):
        return f"pytest exited with code {code}: {ending.output_tail}"
    return ""


def build_run(
    lines: Iterable[str],
    ending: Ending,
    coverage: Mapping[str, Mapping[str, Iterable[int]]] | None = None,
    coverage_root: str = "",
) -> TestRun:
    """Turn a child's event lines into a :class:`TestRun`.

    :param coverage: node id -> absolute path -> lines, as the child measured it; only
        the tests that ended are kept (a test cut off has partial lines).
    :param coverage_root: the directory paths in ``coverage`` are made relative to.
    """
    phases: dict[str, dict[str, str]] = {}
    durations: dict[str, float] = {}
    call_durations: dict[str, float] = {}
    first_failure = ""
    started: str | None = None
    finished = False
    problem = ""
    notes: list[str] = []
    reached: dict[str, frozenset[str]] = {}
    measuring_s = 0.0
    behaviour: dict[str, Behaviour] = {}
    seeds: tuple[str, ...] = ()
    outputs: dict[str, str] = {}
    for line in lines:
        try:
            event: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short when the child was killed
        if not isinstance(event, dict):
            continue  # not an event: candidate code wrote into the channel
        try:
            kind = event.get("event")
            if kind == "start":
                started = event["nodeid"]
            elif kind == "report":
                nodeid = event["nodeid"]
                durations[nodeid] = durations.get(nodeid, 0.0) + float(event["duration"])
                if event["when"] == "call":
                    call_durations[nodeid] = float(event["duration"])
                phases.setdefault(nodeid, {})[event["when"]] = event["outcome"]
                if event["outcome"] in ("failed", "error") and not first_failure:
                    first_failure = f"{nodeid}: {event.get('message') or event['longrepr']}"
                if event["when"] == "teardown":
                    started = None
            elif kind == "collect-error" and not first_failure:
                first_failure = f"collection of {event['nodeid']} failed: {event['longrepr']}"
            elif kind in ("swap-error", "crash", "mismatch", "tampered"):
                problem = event["message"]
            elif kind == "note":
                notes.append(event["message"])
            elif kind == "reach":
                reached[event["nodeid"]] = frozenset(event["functions"])
            elif kind == "measuring":
                measuring_s += float(event["seconds"])
            elif kind == "finish":
                finished = True
            elif kind == "behaviour":
                behaviour[event["nodeid"]] = Behaviour(
                    calls=tuple((str(a), str(r)) for a, r in event["calls"]),
                    lines=frozenset(int(n) for n in event["lines"]))
            elif kind == "seeds":
                seeds = tuple(str(seed) for seed in event["seeds"])
            elif kind == "output":
                outputs[str(event["input"])] = str(event["output"])
        except (KeyError, TypeError, ValueError):
            continue  # an event missing its fields: forged, not the probe's
    problem = problem or _problem(ending, finished)
    if started is not None and problem:
        problem = f"{started} {problem}"
    outcomes = {nodeid: outcome for nodeid, test_phases in phases.items()
                if (outcome := outcome_of_phases(test_phases)) is not None}
    per_test: dict[str, dict[str, frozenset[int]]] = {}
    prefix = coverage_root.rstrip(os.sep) + os.sep
    for nodeid, files in (coverage or {}).items():
        if nodeid not in outcomes:
            continue
        per_test[nodeid] = {
            path[len(prefix):].replace(os.sep, "/"): frozenset(executed)
            for path, executed in files.items()
            if path.startswith(prefix)
        }
    return TestRun(outcomes=outcomes, durations=durations, wall_s=ending.wall_s,
                   exit_code=ending.exit_code, problem=problem, first_failure=first_failure,
                   coverage=per_test, notes=tuple(notes), call_durations=call_durations,
                   reached=reached, timed_out=ending.timed_out, cpu_s=ending.cpu_s,
                   interrupted=() if started is None or started in outcomes else (started,),
                   measuring_s=measuring_s, behaviour=behaviour, seeds=seeds,
                   outputs=outputs)
