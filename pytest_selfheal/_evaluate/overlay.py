"""Scratch copies of the project, and child pytest processes that run tests in them.

The subprocess path of evaluation, used where forking the session is unsafe or a
change is not a function swap, and always for the final verification of a winner: a
fresh ``python -m pytest`` over a copy of the project, with no bytecode written, no
cache provider, the project's ``addopts`` dropped, and a probe plugin
(:mod:`pytest_selfheal.plugin._probe`) that streams events to a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pytest_selfheal._evaluate import cage
from pytest_selfheal._evaluate.contain import (
    Isolation,
    Limits,
    ProcessCage,
    group_cpu_s,
    kill_group,
)
from pytest_selfheal._evaluate.coverage_map import CHILD_ENVIRONMENT, read_per_test
from pytest_selfheal._evaluate.events import Ending, build_run
from pytest_selfheal._evaluate.layout import ProjectLayout as ProjectLayout
from pytest_selfheal._evaluate.layout import visible_paths
from pytest_selfheal._evaluate.spec import CoverageSpec, RunSpec
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import TestRun

#: Directories never copied into a scratch copy: version control, caches, environments.
SKIPPED_DIRECTORIES = frozenset({
    ".git", ".hg", ".svn", ".selfheal", "__pycache__", ".pytest_cache", ".mypy_cache",
    ".ruff_cache", ".tox", ".nox", ".venv", "venv", "node_modules", ".hypothesis",
    ".eggs", "htmlcov",
})

#: A plain run: pytest, then an exit status offset by a number read from stdin before
#: pytest starts. Candidate code that ends the process early (``os._exit(0)``) cannot
#: give the status a finished run gives unless it finds that number.
PLAIN_RUNNER = """\
import os, sys
offset = int(sys.stdin.readline())
sys.stdin = open(os.devnull)
import pytest
os._exit(offset + int(pytest.main(sys.argv[1:])))
"""
#: Exit statuses of a plain run that ended without pytest returning: offset by this.
ENDED_EARLY = 1000

#: Environment variables a child must not inherit: they would change what pytest runs.
DROPPED_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", "COVERAGE_PROCESS_START",
                       "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID")


def _ignore_for_copy(directory: str, names: list[str]) -> set[str]:
    skipped = {name for name in names if name in SKIPPED_DIRECTORIES or name.endswith(".egg-info")}
    for name in names:
        if os.path.isfile(os.path.join(directory, name, "pyvenv.cfg")):
            skipped.add(name)  # a virtual environment inside the project
    return skipped


def remove_stale_copies(directory: Path) -> None:
    """Delete the scratch copies of this user's sessions that are gone (killed, so
    they could not clean up): their children died with them."""
    for path in directory.glob("selfheal-*-*"):
        owner = path.name.split("-")[1]
        with contextlib.suppress(OSError):
            if (owner.isdigit() and not Path(f"/proc/{owner}").exists()
                    and path.stat().st_uid == os.getuid()):
                shutil.rmtree(path, ignore_errors=True)


class Overlay:
    """A scratch copy of the project where one child at a time runs tests.

    :param sources: relative path to text that replaces the file in the copy (the
        fixes already accepted in this session).
    """

    _swept = False  # stale copies are looked for once per session

    def __init__(self, layout: ProjectLayout, sources: Mapping[str, str]) -> None:
        self.layout = layout
        if not Overlay._swept:
            Overlay._swept = True
            remove_stale_copies(Path(tempfile.gettempdir()))
        # Named after the session, so that a later session knows whose copy it is.
        self.base = Path(tempfile.mkdtemp(prefix=f"selfheal-{os.getpid()}-"))
        self.root = self.base / "project"
        try:
            shutil.copytree(layout.root, self.root, ignore=_ignore_for_copy,
                            ignore_dangling_symlinks=True)
        except (OSError, shutil.Error) as exc:
            shutil.rmtree(self.base, ignore_errors=True)
            raise EvaluationError(f"cannot copy the project to {self.root}: {exc}") from exc
        self._sources: dict[str, str] = {}
        for relpath, text in sources.items():
            self.set_base(relpath, text)
        self._runs = 0
        self._cage: ProcessCage | None = None

    def cage(self, limit: int) -> ProcessCage:
        """The pids cgroup for this copy's children, made once and reused: creating
        and removing a cgroup costs more than a forked child's whole test run."""
        if self._cage is None or self._cage.limit != limit:
            if self._cage is not None:
                self._cage.close()
            self._cage = ProcessCage(limit)
        return self._cage

    @property
    def workdir(self) -> Path:
        """Where a child runs: the copy of the session's working directory."""
        return self.root / self.layout.workdir

    def _write(self, relpath: str, text: str) -> None:
        target = self.root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))

    def set_base(self, relpath: str, text: str) -> None:
        """Make ``text`` the file's content for every later run (an accepted fix)."""
        self._sources[relpath] = text
        self._write(relpath, text)

    def base_text(self, relpath: str) -> str:
        """The file's text without any candidate: the original or an accepted fix."""
        if relpath in self._sources:
            return self._sources[relpath]
        # Bytes, not text mode: CRLF line endings must be written back unchanged.
        return (self.layout.root / relpath).read_bytes().decode("utf-8")

    def restore(self, relpath: str) -> None:
        """Put the file's base text back after a candidate's run (or remove a module the
        candidate created)."""
        if relpath not in self._sources and not (self.layout.root / relpath).exists():
            (self.root / relpath).unlink(missing_ok=True)
            return
        self._write(relpath, self.base_text(relpath))

    def write(self, relpath: str, text: str) -> None:
        """Write a candidate's file into the copy for the next run."""
        self._write(relpath, text)

    def new_run_dir(self) -> Path:
        """A fresh directory for one run's events, output and temporary files."""
        self._runs += 1
        run_dir = self.base / f"run-{self._runs}"
        run_dir.mkdir()
        (run_dir / "tmp").mkdir()
        return run_dir

    def coverage_spec(self, run_dir: Path, measured: Path | None = None,
                      files: Sequence[str] = ()) -> CoverageSpec:
        """Measure the project files under ``measured`` (default: this copy), not tests;
        only the project-relative ``files`` when given."""
        root = measured or self.root
        return CoverageSpec(
            roots=(str(root),),
            omit=(*(str(root / rel) for rel in self.layout.test_files), "*/conftest.py"),
            data_file=str(run_dir / ".coverage"),
            files=tuple(str(root / relpath) for relpath in files),
        )

    def close(self) -> None:
        """Delete the scratch copy and its cgroup."""
        if self._cage is not None:
            self._cage.close()
        shutil.rmtree(self.base, ignore_errors=True)

    def start(
        self,
        nodeids: Sequence[str],
        limits: Limits,
        *,
        files: Mapping[str, str] | None = None,
        expected: Mapping[str, str] | None = None,
        exitfirst: bool = False,
        coverage: bool = False,
        isolation: Isolation | None = None,
        plain: bool = False,
    ) -> SubprocessJob:
        """Start ``nodeids`` in a child pytest, in this order, without waiting for it.

        :param files: candidate files written over the copy for this run only.
        :param coverage: measure per-test line coverage of the project's code.
        :param plain: run pytest without the probe: only the exit code tells anything.
        """
        run_dir = self.new_run_dir()
        spec = RunSpec(nodeids=tuple(nodeids), expected=dict(expected or {}),
                       exitfirst=exitfirst,
                       coverage=self.coverage_spec(run_dir) if coverage else None)
        return SubprocessJob(self, spec, limits, run_dir, files=files or {},
                             isolation=isolation, plain=plain)


class SubprocessJob:
    """One child ``python -m pytest`` running in an :class:`Overlay`, not waited for.

    The overlay is busy until :meth:`finish` (or :meth:`wait`) returns.
    """

    def __init__(
        self,
        overlay: Overlay,
        spec: RunSpec,
        limits: Limits,
        run_dir: Path,
        *,
        files: Mapping[str, str],
        isolation: Isolation | None = None,
        plain: bool = False,
    ) -> None:
        self.overlay = overlay
        self.plain = plain
        self.spec = spec
        self.limits = limits
        self.files = dict(files)
        for relpath, text in self.files.items():
            overlay.write(relpath, text)
        self.run_dir = run_dir
        self.events = run_dir / "events.jsonl"
        root = overlay.root
        probe: dict[str, Any] = {
            "spec": spec.to_json(),
            "events": str(self.events),
            "limits": asdict(limits),
            "expect_modules": {name: str(root / rel)
                               for name, rel in overlay.layout.modules.items()},
        }
        (run_dir / "probe.json").write_text(json.dumps(probe), encoding="utf-8")
        # A plain run has no probe: only pytest's own exit status says how it went.
        probing = [] if plain else ["-p", "pytest_selfheal.plugin._probe"]
        self.offset = secrets.randbelow(100) + 16 if plain else 0
        start = ["-c", PLAIN_RUNNER] if plain else ["-m", "pytest"]
        command = [sys.executable, *start, *probing,
                   "-p", "no:selfheal", "-p", "no:cacheprovider", "-p", "no:randomly",
                   "-o", "addopts=", "--rootdir", str(root), "-q", "--tb=native",
                   "--basetemp", str(run_dir / "basetemp"), "-W", "ignore::pytest.PytestWarning"]
        inifile = overlay.layout.inifile
        if inifile is not None:
            command += ["-c", inifile if os.path.isabs(inifile) else str(root / inifile)]
        command += (list(spec.nodeids) if plain
                    else sorted({nodeid.split("::", 1)[0] for nodeid in spec.nodeids}))
        self.output_path = run_dir / "output.txt"
        self.cage = overlay.cage(limits.processes)
        # The cage's launcher starts pytest inside it; its notes go to the event file.
        caged = cage.CageSpec(writable=(str(overlay.base),),
                              visible=visible_paths(overlay.layout.root),
                              network=not (isolation or Isolation()).network,
                              parent=os.getpid(), cgroup=self.cage.procs_file or "",
                              notes=str(self.events))
        command = [sys.executable, "-I", "-S", cage.__file__, caged.to_json(), "--", *command]
        self.started = time.perf_counter()
        self.deadline = self.started + limits.timeout_s
        with open(self.output_path, "wb") as output:
            try:
                self.process = subprocess.Popen(
                    command, cwd=overlay.workdir, env=self._environment(run_dir),
                    stdin=subprocess.PIPE if plain else subprocess.DEVNULL, stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True)
            except OSError as exc:
                raise EvaluationError(f"cannot start a child pytest: {exc}") from exc
        if plain:
            assert self.process.stdin is not None
            with contextlib.suppress(OSError), self.process.stdin:
                self.process.stdin.write(f"{self.offset}\n".encode())
        self.cage.attach(self.process.pid)
        self._pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self._pidfd = os.pidfd_open(self.process.pid)
        self._cpu_s: float | None = None
        self._result: TestRun | None = None

    def _environment(self, run_dir: Path) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items()
                       if key not in DROPPED_ENVIRONMENT}
        roots = [str(self.overlay.root / rel) for rel in self.overlay.layout.import_roots]
        if environment.get("PYTHONPATH"):
            roots.append(environment["PYTHONPATH"])
        if roots:
            environment["PYTHONPATH"] = os.pathsep.join(roots)
        environment.update(CHILD_ENVIRONMENT)
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        if not self.plain:
            environment["SELFHEAL_PROBE"] = str(run_dir / "probe.json")
        environment["TMPDIR"] = str(run_dir / "tmp")
        return environment

    def fileno(self) -> int | None:
        """Readable when the child has exited; ``None`` where it must be polled."""
        return self._pidfd

    def _reap(self, block: bool) -> bool:
        if self.process.returncode is not None:
            return True
        try:
            pid, status, usage = os.wait4(self.process.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            return False
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self._cpu_s = max(self._cpu_s or 0.0, usage.ru_utime + usage.ru_stime)
        return True

    @property
    def done(self) -> bool:
        """Whether the child has exited (or must be killed: its time is up)."""
        return self._reap(block=False) or time.perf_counter() > self.deadline

    def finish(self) -> TestRun:
        """Collect the result; kills the child first if it is still running."""
        if self._result is not None:
            return self._result
        timed_out = not self._reap(block=False)
        if timed_out:
            # Measured before the kill: the launcher, killed, cannot reap what ran in
            # the cage, so its own usage would not include it.
            self._cpu_s = group_cpu_s(self.process.pid)
        # The whole group goes: the child and anything the candidate spawned.
        kill_group(self.process.pid)
        self.cage.empty()
        self._reap(block=True)
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        exit_code = self.process.returncode
        if self.plain and exit_code is not None:
            exit_code = (exit_code - self.offset if self.offset <= exit_code <= self.offset + 5
                         else ENDED_EARLY + exit_code)
        wall_s = time.perf_counter() - self.started
        for relpath in self.files:
            self.overlay.restore(relpath)
        try:
            lines = self.events.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        coverage = None
        if self.spec.coverage is not None:
            coverage = read_per_test(self.spec.coverage.data_file)
        ending = Ending(exit_code=None if timed_out else exit_code, wall_s=wall_s,
                        timed_out=timed_out, timeout_s=self.limits.timeout_s,
                        output_tail=_tail(self.output_path), cpu_s=self._cpu_s)
        self._result = build_run(lines, ending, coverage, str(self.overlay.root))
        return self._result

    def wait(self) -> TestRun:
        """Wait for the child (at most until its deadline) and collect the result."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=max(0.0, self.deadline - time.perf_counter()))
        return self.finish()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])
