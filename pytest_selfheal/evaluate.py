"""Running the project's tests on candidate code, in child processes.

Candidate code is untrusted: it only ever runs in a child ``python -m pytest`` inside a
scratch copy of the project (an :class:`Overlay`), in its own process group that a
watchdog kills when the time is up, with resource limits the child applies to itself
(see :mod:`pytest_selfheal.probe`). A hang, a crash or a runaway allocation is a failed
candidate, never a hung session; the user's files are never the ones written.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_selfheal.coverage_map import CHILD_ENVIRONMENT
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import EXIT_WRONG_IMPORT, Candidate, TestRun, Verdict

#: Directories never copied into a scratch copy: version control, caches, environments.
SKIPPED_DIRECTORIES = frozenset({
    ".git", ".hg", ".svn", ".selfheal", "__pycache__", ".pytest_cache", ".mypy_cache",
    ".ruff_cache", ".tox", ".nox", ".venv", "venv", "node_modules", ".hypothesis",
    ".eggs", "htmlcov",
})

#: Environment variables a child must not inherit: they would change what pytest runs.
DROPPED_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", "COVERAGE_PROCESS_START",
                       "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID")


@dataclass(frozen=True)
class ProjectLayout:
    """What a child run needs to know about the project under test.

    :param root: the pytest rootdir; the scratch copy mirrors it.
    :param inifile: the configuration file, relative to ``root`` when inside it.
    :param test_files: relative paths of the collected test modules, passed as
        arguments so collection only visits them.
    :param import_roots: relative directories the project's modules were imported
        from (``src``), put first on the child's ``PYTHONPATH`` so the copy wins
        over an editable install of the original.
    :param modules: dotted module name to relative file of the project modules the
        session imported; a child checks they come from the copy.
    """

    root: Path
    inifile: str | None
    test_files: tuple[str, ...]
    import_roots: tuple[str, ...] = ()
    modules: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child run."""

    timeout_s: float
    cpu_s: int
    address_space: int = 8 * 1024**3
    file_bytes: int = 512 * 1024**2


def _ignore_for_copy(directory: str, names: list[str]) -> set[str]:
    skipped = {name for name in names if name in SKIPPED_DIRECTORIES or name.endswith(".egg-info")}
    for name in names:
        if os.path.isfile(os.path.join(directory, name, "pyvenv.cfg")):
            skipped.add(name)  # a virtual environment inside the project
    return skipped


class Overlay:
    """A scratch copy of the project where one candidate at a time is tried.

    :param sources: relative path to text that replaces the file in the copy (the
        fixes already accepted in this session).
    """

    def __init__(self, layout: ProjectLayout, sources: Mapping[str, str]) -> None:
        self.layout = layout
        self.base = Path(tempfile.mkdtemp(prefix="selfheal-"))
        self.root = self.base / "project"
        try:
            shutil.copytree(layout.root, self.root, ignore=_ignore_for_copy,
                            ignore_dangling_symlinks=True)
        except (OSError, shutil.Error) as exc:
            shutil.rmtree(self.base, ignore_errors=True)
            raise EvaluationError(f"cannot copy the project to {self.root}: {exc}") from exc
        self._sources = dict(sources)
        for relpath, text in self._sources.items():
            self._write(relpath, text)
        self._runs = 0

    def _write(self, relpath: str, text: str) -> None:
        target = self.root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))

    def base_text(self, relpath: str) -> str:
        """The file's text without any candidate: the original or an accepted fix."""
        if relpath in self._sources:
            return self._sources[relpath]
        # Bytes, not text mode: CRLF line endings must be written back unchanged.
        return (self.layout.root / relpath).read_bytes().decode("utf-8")

    def run(
        self,
        nodeids: Iterable[str],
        limits: Limits,
        *,
        files: Mapping[str, str] | None = None,
        exitfirst: bool = False,
        coverage: bool = False,
    ) -> TestRun:
        """Run ``nodeids`` in this order with ``files`` written over the copy.

        The files are put back afterwards, so the next run starts from the base again.
        """
        files = files or {}
        for relpath, text in files.items():
            self._write(relpath, text)
        try:
            return self._run_child(list(nodeids), limits, exitfirst=exitfirst, coverage=coverage)
        finally:
            for relpath in files:
                self._write(relpath, self.base_text(relpath))

    def _run_child(
        self, nodeids: list[str], limits: Limits, *, exitfirst: bool, coverage: bool
    ) -> TestRun:
        self._runs += 1
        run_dir = self.base / f"run-{self._runs}"
        run_dir.mkdir()
        events = run_dir / "events.jsonl"
        coverage_out = run_dir / "coverage.json"
        probe: dict[str, Any] = {
            "select": nodeids,
            "events": str(events),
            "limits": {"cpu_s": limits.cpu_s, "address_space": limits.address_space,
                       "file_bytes": limits.file_bytes},
            "expect_modules": {name: str(self.root / rel)
                               for name, rel in self.layout.modules.items()},
        }
        if coverage:
            probe["coverage"] = {
                "roots": [str(self.root)],
                "omit": [str(self.root / rel) for rel in self.layout.test_files]
                + ["*/conftest.py"],
                "data_file": str(run_dir / ".coverage"),
                "out": str(coverage_out),
            }
        (run_dir / "probe.json").write_text(json.dumps(probe), encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "-p", "pytest_selfheal.probe",
                   "-p", "no:selfheal", "-p", "no:cacheprovider", "-p", "no:randomly",
                   "-o", "addopts=", "--rootdir", str(self.root), "-q",
                   "--basetemp", str(run_dir / "basetemp"), "-W", "ignore::pytest.PytestWarning"]
        if self.layout.inifile is not None:
            inifile = Path(self.layout.inifile)
            command += ["-c", str(inifile if inifile.is_absolute() else self.root / inifile)]
        if exitfirst:
            command.append("-x")
        command += sorted({nodeid.split("::", 1)[0] for nodeid in nodeids})
        output_path = run_dir / "output.txt"
        started = time.perf_counter()
        with open(output_path, "wb") as output:
            try:
                child = subprocess.Popen(command, cwd=self.root, env=self._environment(run_dir),
                                         stdin=subprocess.DEVNULL, stdout=output,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            except OSError as exc:
                raise EvaluationError(f"cannot start a child pytest: {exc}") from exc
            timed_out = False
            try:
                exit_code: int | None = child.wait(timeout=limits.timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                exit_code = None
            finally:
                # Kill the whole group: the child and anything the candidate spawned.
                _kill_group(child.pid)
                child.wait()
        wall_s = time.perf_counter() - started
        return _read_events(events, coverage_out if coverage else None, self.root,
                            exit_code=exit_code, wall_s=wall_s, timed_out=timed_out,
                            limits=limits, output=output_path)

    def _environment(self, run_dir: Path) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items()
                       if key not in DROPPED_ENVIRONMENT}
        roots = [str(self.root / rel) for rel in self.layout.import_roots]
        if environment.get("PYTHONPATH"):
            roots.append(environment["PYTHONPATH"])
        if roots:
            environment["PYTHONPATH"] = os.pathsep.join(roots)
        environment.update(CHILD_ENVIRONMENT)
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["SELFHEAL_PROBE"] = str(run_dir / "probe.json")
        tmp = run_dir / "tmp"
        tmp.mkdir()
        environment["TMPDIR"] = str(tmp)
        return environment

    def close(self) -> None:
        """Delete the scratch copy."""
        shutil.rmtree(self.base, ignore_errors=True)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _problem(exit_code: int | None, timed_out: bool, finished: bool, limits: Limits,
             output: Path) -> str:
    if timed_out:
        return f"timed out after {limits.timeout_s:.1f}s"
    if exit_code is not None and exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = str(-exit_code)
        return f"killed by {name}"
    if exit_code == EXIT_WRONG_IMPORT:
        return "imported the project from outside the scratch copy: " + _tail(output)
    if not finished:
        return f"the test process ended abruptly with exit code {exit_code}"
    if exit_code in (2, 3, 4):
        return f"pytest exited with code {exit_code}: {_tail(output)}"
    return ""


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _outcome(phases: Mapping[str, str]) -> str | None:
    """A test's outcome from its phases; ``None`` when it did not get to an end."""
    if phases.get("call") == "failed":
        return "failed"
    if "error" in phases.values():
        return "error"
    if phases.get("setup") == "skipped":
        return "skipped"
    if "call" in phases and "teardown" in phases:
        return phases["call"]
    return None


def _read_events(
    events: Path, coverage: Path | None, root: Path, *, exit_code: int | None, wall_s: float,
    timed_out: bool, limits: Limits, output: Path,
) -> TestRun:
    phases: dict[str, dict[str, str]] = {}
    durations: dict[str, float] = {}
    first_failure = ""
    started: str | None = None
    finished = False
    try:
        lines = events.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short when the child was killed
        kind = event.get("event")
        if kind == "start":
            started = event["nodeid"]
        elif kind == "report":
            nodeid = event["nodeid"]
            durations[nodeid] = durations.get(nodeid, 0.0) + float(event["duration"])
            phases.setdefault(nodeid, {})[event["when"]] = event["outcome"]
            if event["outcome"] in ("failed", "error") and not first_failure:
                first_failure = f"{nodeid}: {event['longrepr']}"
            if event["when"] == "teardown":
                started = None
        elif kind == "collect-error" and not first_failure:
            first_failure = f"collection of {event['nodeid']} failed: {event['longrepr']}"
        elif kind == "finish":
            finished = True
    problem = _problem(exit_code, timed_out, finished, limits, output)
    if started is not None and problem:
        problem = f"{started} {problem}"
    outcomes = {nodeid: outcome for nodeid, test_phases in phases.items()
                if (outcome := _outcome(test_phases)) is not None}
    per_test: dict[str, dict[str, frozenset[int]]] = {}
    if coverage is not None and coverage.exists():
        prefix = str(root) + os.sep
        for nodeid, files in json.loads(coverage.read_text(encoding="utf-8")).items():
            per_test[nodeid] = {
                path[len(prefix):].replace(os.sep, "/"): frozenset(lines)
                for path, lines in files.items()
                if path.startswith(prefix)
            }
    return TestRun(outcomes=outcomes, durations=durations, wall_s=wall_s, exit_code=exit_code,
                   problem=problem, first_failure=first_failure, coverage=per_test)


def judge(candidate: Candidate, run: TestRun, expected: Mapping[str, str]) -> Verdict:
    """Turn a run into a verdict: every selected test must end as ``expected`` says."""
    passed = sum(1 for nodeid, outcome in expected.items() if run.outcomes.get(nodeid) == outcome)
    total = len(expected)
    if run.problem:
        reason = run.problem
    elif passed == total:
        reason = "passed"
    elif run.first_failure:
        reason = run.first_failure.splitlines()[0][:300]
    else:
        missing = next(n for n in expected if run.outcomes.get(n) != expected[n])
        reason = f"{missing} did not run"
    return Verdict(candidate=candidate, passed=passed == total and not run.problem, reason=reason,
                   tests_passed=passed, tests_total=total,
                   runtime_s=sum(run.durations.values()),
                   failure_text=run.first_failure or run.problem)


class CandidatePool:
    """Evaluates candidates on ``workers`` scratch copies at once.

    Candidates are judged in order; :meth:`first_passing` returns the passing
    candidate that comes first in that order (not the first to finish), so a run is
    reproducible whatever the scheduling.
    """

    def __init__(self, layout: ProjectLayout, sources: Mapping[str, str], workers: int) -> None:
        self._idle: queue.SimpleQueue[Overlay] = queue.SimpleQueue()
        #: The scratch copies, one per worker; the first also serves whole-suite runs.
        self.overlays: list[Overlay] = []
        self.workers = workers
        for _ in range(workers):
            overlay = Overlay(layout, sources)
            self.overlays.append(overlay)
            self._idle.put(overlay)

    def _evaluate(self, candidate: Candidate, nodeids: list[str], expected: Mapping[str, str],
                  limits: Limits) -> Verdict:
        overlay = self._idle.get()
        try:
            run = overlay.run(nodeids, limits, files={candidate.function.path: candidate.source},
                              exitfirst=True)
        finally:
            self._idle.put(overlay)
        return judge(candidate, run, expected)

    def first_passing(
        self,
        candidates: Iterable[Candidate],
        expected: Mapping[str, str],
        limits: Limits,
        *,
        should_stop: Callable[[], bool],
        on_verdict: Callable[[Verdict], None] = lambda verdict: None,
    ) -> Verdict | None:
        """Evaluate candidates until one passes; return the earliest passing one.

        :param expected: selected node id to the outcome it must have, in run order.
        :param should_stop: polled before each new candidate starts (budget, deadline).
        """
        nodeids = list(expected)
        best: tuple[int, Verdict] | None = None
        pending: dict[Future[Verdict], int] = {}
        source: Iterator[tuple[int, Candidate]] = enumerate(candidates)
        with ThreadPoolExecutor(max_workers=self.workers) as executor:
            exhausted = False
            while True:
                while not exhausted and best is None and len(pending) < self.workers:
                    if should_stop():
                        exhausted = True
                        break
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                        break
                    index, candidate = item
                    future = executor.submit(self._evaluate, candidate, nodeids, expected, limits)
                    pending[future] = index
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    verdict = future.result()
                    on_verdict(verdict)
                    if verdict.passed and (best is None or index < best[0]):
                        best = (index, verdict)
                if best is not None:
                    # Only earlier candidates still running can change the answer.
                    for future in [f for f, i in pending.items() if i > best[0]]:
                        future.cancel()
                        del pending[future]
        return None if best is None else best[1]

    def close(self) -> None:
        """Delete every scratch copy."""
        for overlay in self.overlays:
            overlay.close()
