"""Healing one-line bugs injected into real libraries, under their own test suites.

Each library below is a pinned sdist that ships its tests. The script downloads it once
into the cache (with a virtualenv holding this checkout of pytest-selfheal, editable,
and the pinned test dependencies) and times its plain suite. For each bug it copies the
pristine tree, replaces one line, adds a conftest.py that timestamps events, commits it
all to a new git repository and runs ``python -m pytest --selfheal --selfheal-provider
offline --selfheal-mode branch --selfheal-report r.json -p no:cacheprovider -x`` on the
library's selection: all of it is collected, so the plugin sees every test that reaches
the bug; ``-x`` only skips the rest of the suite once the first failure is healed.

Clocks, in the pytest process: the failure is pytest's failed report, the first
candidate the first ``pytest_selfheal_candidate_evaluated``, the heal's end
``pytest_selfheal_heal_finished`` (committed, reloaded, re-run). A fix equals the
original when the branch's file is the pristine file. Targets: first candidate within
10 s of the failure, healed within 60 s. Each run's ``selfheal:`` lines, timed from the
failure, show where the time went; ``rank`` is where the function holding the injected line
stood among the suspects. Usage::

    python benchmarks/bench_real.py [--cache DIR] [--only NAME] [--run-timeout SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import enclosing_functions
from _machine import describe

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bug:
    """One line of ``path`` replaced: ``original`` (a whole line, unique in the file)
    becomes ``buggy``."""

    name: str
    path: str
    original: str
    buggy: str


@dataclass(frozen=True)
class Library:
    """A library, the tests the benchmark runs (``selection``, and ``why`` those) and
    its bugs. ``timeout_s`` goes to pytest-timeout, well above its slowest test."""

    name: str
    version: str
    selection: tuple[str, ...]
    why: str
    timeout_s: int
    bugs: tuple[Bug, ...]


LIBRARIES = (
    Library(
        "networkx", "3.3",
        ("networkx/algorithms",),
        "its algorithms subpackage, two thirds of the suite's time (the rest tests the "
        "graph classes, generators and readers, and takes the whole suite to 80 s here); "
        "the max-flow and connectivity packages alone were 19 to 23 s",
        30,
        (Bug("Edmonds-Karp reverse flow sign", "networkx/algorithms/flow/edmondskarp.py",
             '            R_succ[v][u]["flow"] -= flow',
             '            R_succ[v][u]["flow"] += flow'),
         Bug("Stoer-Wagner cut one phase too far",
             "networkx/algorithms/connectivity/stoerwagner.py",
             "    G = nx.Graph(islice(contractions, best_phase))",
             "    G = nx.Graph(islice(contractions, best_phase + 1))"),
         Bug("disjoint paths take idle edges", "networkx/algorithms/connectivity/"
             "disjoint_paths.py",
             '        if d["capacity"] == d["flow"] and d["flow"] > 0',
             '        if d["capacity"] == d["flow"] and d["flow"] >= 0')),
    ),
    Library(
        "pyparsing", "3.1.2",
        ("tests",),
        "the whole suite, test_unit.py's tests under all six parser caches (its five "
        "subclasses of Test02_WithoutPackrat repeat them with packrat and left recursion)",
        60,
        (Bug("lineno minus one", "pyparsing/util.py",
             '    return strg.count("\\n", 0, loc) + 1',
             '    return strg.count("\\n", 0, loc) - 1'),
         Bug("Keyword looks after, not before", "pyparsing/core.py",
             "            if loc == 0 or instring[loc - 1] not in self.identChars:",
             "            if loc == 0 or instring[loc + 1] not in self.identChars:")),
    ),
    Library(
        "mpmath", "1.3.0",
        ("mpmath/tests", "-o", "addopts=", "--ignore=mpmath/tests/test_functions2.py"),
        "mpmath/tests without its slowest file, test_functions2.py (as long again, special "
        "functions on the same core); its doctests take over ten minutes here",
        30,
        (Bug("isqrt Newton loop never ends", "mpmath/libmp/libintmath.py",
             "        if y >= r:",
             "        if y > r:"),
         Bug("mpf_round_int off by one magnitude", "mpmath/libmp/libmpf.py",
             "    if mag < 1:",
             "    if mag <= 1:")),
    ),
)

# Exact versions, so every run tests against the same code; pyparsing's diagram tests
# need railroad-diagrams and jinja2 (networkx and mpmath need nothing beyond pytest).
TEST_DEPENDENCIES = (
    "pytest-timeout==2.4.0", "railroad-diagrams==3.0.1", "jinja2==3.1.6",
    "markupsafe==3.0.3",
)

RECORDER = '''\
# Added by benchmarks/bench_real.py: timestamps for the benchmark, nothing else.
import json
import os
import time

import pytest

# Forked candidate children inherit this module: only the session's own process writes.
_SESSION_PID = os.getpid()


def _note(kind, detail):
    path = os.environ.get("BENCH_EVENTS")
    if path and os.getpid() == _SESSION_PID:
        with open(path, "a") as out:
            out.write(json.dumps([time.perf_counter(), kind, detail]) + "\\n")


def pytest_runtest_logreport(report):
    if report.failed:
        _note("failed", report.nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_candidate_evaluated(verdict):
    _note("verdict", verdict.reason)


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_heal_finished(outcome):
    _note("finished", str(outcome.status))
'''

GIT = ("git", "-c", "init.defaultBranch=main")
# Local to each repository: the plugin commits its fixes with the same identity.
GIT_CONFIG = {"user.name": "bench", "user.email": "bench@example.invalid",
              "commit.gpgsign": "false"}


@dataclass
class Result:
    """One bug's heal: seconds are from the failure, ``None`` when it never came."""

    library: str
    bug: str
    suite_s: float
    first_s: float | None
    heal_s: float | None
    status: str
    same_as_original: str
    candidates: int
    reason: str
    timeline: list[str]
    rank: int | None = None


def quiet(command: list[str]) -> None:
    """Run ``command``; its output is shown only if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def venv_python(cache: Path) -> Path:
    """The cache's virtualenv: this checkout of the plugin plus the test dependencies."""
    venv = cache / "venv"
    python = venv / "bin" / "python"
    wanted = hashlib.sha256(json.dumps(
        [str(REPO), TEST_DEPENDENCIES, (REPO / "pyproject.toml").read_text()]).encode()
    ).hexdigest()
    stamp = venv / "bench-stamp"
    if stamp.is_file() and stamp.read_text() == wanted and python.exists():
        return python
    print(f"building the virtualenv {venv} ...", flush=True)
    quiet([sys.executable, "-m", "venv", "--clear", str(venv)])
    quiet([str(python), "-m", "pip", "install", "-q", "-e", str(REPO), *TEST_DEPENDENCIES])
    stamp.write_text(wanted)
    return python


def pristine_tree(python: Path, cache: Path, library: Library) -> Path:
    """The library's unpacked sdist, downloaded once into the cache."""
    tree = cache / "src" / f"{library.name}-{library.version}"
    if tree.is_dir():
        return tree
    downloads = cache / "downloads"
    spec = f"{library.name}=={library.version}"
    print(f"downloading the sdist of {spec} ...", flush=True)
    quiet([str(python), "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
           "--dest", str(downloads), spec])
    archive = next(path for path in downloads.iterdir()
                   if path.name.lower().replace("_", "-").startswith(f"{library.name}-"
                                                                     f"{library.version}"))
    unpacked = cache / "src" / "unpacking"
    shutil.rmtree(unpacked, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    (top,) = unpacked.iterdir()
    top.rename(tree)
    unpacked.rmdir()
    return tree


def pytest_command(python: Path, library: Library) -> list[str]:
    """pytest on the library's selection, as both the plain and the healing runs use it."""
    # The signal method fails only the test that hangs; the thread method would end the
    # whole pytest process, the heal with it.
    return [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", ".",
            "--timeout", str(library.timeout_s), "--timeout-method", "signal",
            *library.selection]


def plain_suite(python: Path, tree: Path, scratch: Path, library: Library) -> float:
    """Wall seconds of the plain suite on a copy of the pristine tree."""
    copy = scratch / f"{library.name}-plain"
    shutil.copytree(tree, copy)
    started = time.perf_counter()
    run = subprocess.run(pytest_command(python, library), cwd=copy, capture_output=True,
                         text=True, check=False)
    seconds = time.perf_counter() - started
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    print(f"{library.name} {library.version}: plain suite {seconds:.1f}s, {summary}",
          flush=True)
    return seconds


def inject(tree: Path, bug: Bug) -> None:
    path = tree / bug.path
    lines = path.read_text().split("\n")
    if lines.count(bug.original) != 1:
        raise SystemExit(f"{bug.path}: the line to replace is not there exactly once: "
                         f"{bug.original!r}")
    lines[lines.index(bug.original)] = bug.buggy
    path.write_text("\n".join(lines))


def make_repository(tree: Path) -> None:
    # A conftest.py at the root of the library already there keeps its hooks.
    conftest = tree / "conftest.py"
    before = conftest.read_text() + "\n\n" if conftest.exists() else ""
    conftest.write_text(before + RECORDER)
    commands = [["init", "-q"], *(["config", key, value] for key, value in GIT_CONFIG.items()),
                ["add", "-A"], ["commit", "-q", "-m", "pristine + bug"]]
    for command in commands:
        subprocess.run([*GIT, *command], cwd=tree, check=True, capture_output=True)


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have ended meanwhile
        os.killpg(pid, signal.SIGKILL)


def stream(command: list[str], cwd: Path, environment: dict[str, str], log: Path,
           timeout_s: float) -> list[tuple[float, str]]:
    """Run ``command``, timestamping each output line as it arrives; the whole process
    group is killed after ``timeout_s``."""
    lines: list[tuple[float, str]] = []
    started = time.perf_counter()
    with subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as child:
        # A hung run prints nothing: a timer, not the reading loop, has to kill it.
        watchdog = threading.Timer(timeout_s, kill_group, (child.pid,))
        watchdog.start()
        assert child.stdout is not None
        for line in child.stdout:
            lines.append((time.perf_counter(), line.rstrip("\n")))
        watchdog.cancel()
        if child.wait() == -signal.SIGKILL:
            lines.append((time.perf_counter(), f"[killed after {timeout_s:g}s]"))
    log.write_text("".join(f"{stamp - started:8.2f}  {text}\n" for stamp, text in lines))
    return lines


def committed_file(tree: Path, branch: str, path: str) -> str | None:
    shown = subprocess.run([*GIT, "show", f"{branch}:{path}"], cwd=tree, capture_output=True,
                           text=True, check=False)
    return shown.stdout if shown.returncode == 0 else None


@dataclass(frozen=True)
class Setup:
    """What every healing run shares: the virtualenv's python, where logs go, the limit."""

    python: Path
    logs: Path
    run_timeout_s: float


def read_events(path: Path) -> list[tuple[float, str, str]]:
    """The recorder's (time, kind, detail) lines, oldest first."""
    if not path.exists():
        return []
    return [(float(stamp), str(kind), str(detail)) for stamp, kind, detail
            in map(json.loads, path.read_text().splitlines())]


def heal(setup: Setup, library: Library, bug: Bug, tree: Path, scratch: Path,
         suite_s: float) -> Result:
    """Inject ``bug`` into a copy of ``tree``, run pytest --selfheal on it, judge the fix."""
    slug = re.sub(r"\W+", "-", bug.name).strip("-")
    work = scratch / f"{library.name}-{slug}"
    shutil.copytree(tree, work)
    inject(work, bug)
    make_repository(work)
    events_path, report_path = scratch / f"{slug}.events", scratch / f"{slug}.json"
    environment = dict(os.environ, BENCH_EVENTS=str(events_path), PYTHONUNBUFFERED="1")
    command = [*pytest_command(setup.python, library), "-x", "--selfheal",
               "--selfheal-provider", "offline", "--selfheal-mode", "branch",
               "--selfheal-report", str(report_path)]
    print(f"  healing {library.name}: {bug.name} ...", flush=True)
    lines = stream(command, work, environment, setup.logs / f"{library.name}-{slug}.log",
                   setup.run_timeout_s)
    events = read_events(events_path)
    failed = next((stamp for stamp, kind, _ in events if kind == "failed"), None)

    def since_failure(kind: str) -> float | None:
        stamp = next((stamp for stamp, seen, _ in events if seen == kind), None)
        return None if stamp is None or failed is None else stamp - failed

    report: dict[str, Any] = json.loads(report_path.read_text()) if report_path.exists() else {}
    outcome = (report.get("heals") or [{}])[0]
    status = outcome.get("status") or ("no failure" if failed is None else "no report")
    same = "-"
    if outcome.get("branch"):
        fixed = committed_file(work, outcome["branch"], bug.path)
        same = "yes" if fixed == (tree / bug.path).read_text() else "no"
    origin = failed if failed is not None else lines[0][0] if lines else 0.0
    # The first selfheal line follows pytest's progress dots on the same line.
    timeline = [f"{stamp - origin:+7.1f}s {text[text.index('selfheal:'):]}"
                for stamp, text in lines if "selfheal:" in text]
    timeline += [text for _, text in lines if text.startswith("[killed")]
    timeline.append("suspects: " + ", ".join(
        f"{suspect['function']} ({suspect['score']:.2f})"
        for suspect in outcome.get("suspects") or []))
    return Result(library.name, bug.name, suite_s, since_failure("verdict"),
                  since_failure("finished"), status, same,
                  int(outcome.get("candidates_evaluated") or 0),
                  str(outcome.get("reason") or ""), timeline,
                  suspect_rank(tree, bug, outcome.get("suspects") or []))


def suspect_rank(tree: Path, bug: Bug, suspects: list[dict[str, Any]]) -> int | None:
    """1-based rank of the function holding the injected line among the suspects."""
    source = (tree / bug.path).read_text()
    line = source.splitlines().index(bug.original) + 1
    wanted = {f"{bug.path}::{name}" for name in enclosing_functions(source, line)}
    return next((rank for rank, suspect in enumerate(suspects, start=1)
                 if suspect["function"] in wanted), None)


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_table(results: list[Result]) -> None:
    header = (f"{'library':<11} {'bug':<36} {'suite s':>7} {'1st cand s':>10} {'heal s':>7} "
              f"{'cands':>5} {'rank':>4}  {'status':<10} {'fix = original'}")
    print(header)
    print("-" * len(header))
    for result in results:
        print(f"{result.library:<11} {result.bug:<36} {result.suite_s:>7.1f} "
              f"{seconds(result.first_s):>10} {seconds(result.heal_s):>7} "
              f"{result.candidates:>5} {result.rank if result.rank is not None else '-':>4}  "
              f"{result.status:<10} {result.same_as_original}")
    # A wrong fix is not a heal: only one restoring the original line meets the target.
    met = sum(1 for r in results if r.first_s is not None and r.first_s <= 10
              and r.heal_s is not None and r.heal_s <= 60 and r.status == "healed"
              and r.same_as_original == "yes")
    print(f"targets (first candidate within 10 s of the failure, healed with the original "
          f"line within 60 s): {met} of {len(results)} bugs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="keep downloads, the virtualenv and the "
                        "logs here for the next run (default: a temporary directory)")
    parser.add_argument("--only", action="append", choices=[lib.name for lib in LIBRARIES],
                        help="run only this library (repeatable)")
    parser.add_argument("--run-timeout", type=float, default=900.0,
                        help="seconds after which one healing run is killed (default 900)")
    args = parser.parse_args()
    libraries = [lib for lib in LIBRARIES if not args.only or lib.name in args.only]
    with tempfile.TemporaryDirectory(prefix="bench-real-") as temporary:
        cache = (args.cache or Path(temporary) / "cache").resolve()
        logs = cache / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        setup = Setup(venv_python(cache), logs, args.run_timeout)
        trees = {lib.name: pristine_tree(setup.python, cache, lib) for lib in libraries}
        load = os.getloadavg()[0]
        print(f"machine: {describe()}; load average {load:.1f} at the start", flush=True)
        results: list[Result] = []
        for library in libraries:
            scratch = Path(tempfile.mkdtemp(prefix=f"{library.name}-", dir=temporary))
            print(f"{library.name}: {library.why}", flush=True)
            suite_s = plain_suite(setup.python, trees[library.name], scratch, library)
            results += [heal(setup, library, bug, trees[library.name], scratch, suite_s)
                        for bug in library.bugs]
            shutil.rmtree(scratch, ignore_errors=True)
        print()
        print(f"machine: {describe()}; load average {os.getloadavg()[0]:.1f} at the end")
        print_table(results)
        for result in results:
            print(f"\n{result.library}: {result.bug}: {result.status}: {result.reason}")
            print("\n".join(f"  {line}" for line in result.timeline))
        if args.cache is not None:
            print(f"\nlogs of each run (seconds from its start): {logs}")


if __name__ == "__main__":
    main()
