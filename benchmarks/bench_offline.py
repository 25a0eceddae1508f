"""How many bugs of ``benchmarks/bugs`` the offline engine really fixes, and how fast.

Each bug is a tiny project: a module with one planted bug, the tests the engine sees
(``test_<name>.py``) and held-out checks it never sees (``heldout.py``, functions named
``check_*`` so pytest does not collect them by default). For every bug this script:

1. copies the module and the visible tests (nothing else) to a temporary directory,
   makes it a git repository with one commit, and runs the real plugin there in a
   subprocess: ``python -m pytest --selfheal --selfheal-mode suggest
   --selfheal-report r.json -p no:cacheprovider --selfheal-timeout 60``;
2. applies the diffs of the healed failures from the JSON report;
3. runs the visible tests and then the held-out checks on the healed code.

A bug counts as **fixed** only when the healed code passes the held-out checks too;
**plausible** when it passes the visible tests only (the fix fits the tests, not the
intent); **unfixed** otherwise. Usage::

    python benchmarks/bench_offline.py                 # every bug, one at a time
    python benchmarks/bench_offline.py --only gcd --only caesar
    python benchmarks/bench_offline.py --jobs 2 --json results.json
    python benchmarks/bench_offline.py --check-corpus  # buggy fails, fix.diff passes all

Bugs run one at a time by default: the plugin already evaluates candidates on every
core, so parallel bugs only make each one slower.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

BUGS = Path(__file__).resolve().parent / "bugs"

HELDOUT = "heldout.py"
FIX = "fix.diff"
# Files of a bug directory the engine must never see.
PRIVATE = frozenset({HELDOUT, FIX})

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


@dataclass
class BugResult:
    """What happened to one bug.

    :param status: ``fixed`` (held-out checks pass), ``plausible`` (visible tests only),
        ``unfixed``, or ``error`` (the run itself broke).
    :param seconds: wall time of the ``pytest --selfheal`` run.
    :param operators: the operator of each heal that went into the fix.
    """

    name: str
    status: str
    seconds: float
    candidates: int
    operators: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    detail: str = ""


def bug_names(only: Sequence[str]) -> list[str]:
    """The bugs to run: every directory of ``benchmarks/bugs``, or the ones asked for."""
    every = sorted(path.name for path in BUGS.iterdir() if (path / HELDOUT).is_file())
    unknown = sorted(set(only) - set(every))
    if unknown:
        raise SystemExit(f"bench_offline: unknown bug {', '.join(unknown)}; "
                         f"choose from {', '.join(every)}")
    return [name for name in every if not only or name in only]


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def heldout_command() -> list[str]:
    return pytest_command("-o", "python_functions=check_*", HELDOUT)


def make_project(name: str, root: Path) -> Path:
    """Copy the bug's module and visible tests into a fresh git repository under ``root``."""
    project = root / name
    project.mkdir()
    for path in (BUGS / name).iterdir():
        if path.is_file() and path.name not in PRIVATE and path.suffix == ".py":
            shutil.copy2(path, project / path.name)
    # An ini file of its own: the run must not pick up one from a parent directory.
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / ".gitignore").write_text("__pycache__/\nr.json\n", encoding="utf-8")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "bug")
    return project


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                               env={**os.environ, **GIT_IDENTITY}, check=True)
    return completed.stdout


def run_bug(name: str, timeout: float) -> BugResult:
    """Heal one bug with the real plugin and judge the result on the held-out checks."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        project = make_project(name, Path(scratch))
        test_file = f"test_{name}.py"
        count = len(test_functions(project / test_file))
        command = pytest_command("--selfheal", "--selfheal-mode", "suggest",
                                 "--selfheal-report", "r.json",
                                 "--selfheal-timeout", f"{timeout:g}")
        started = time.perf_counter()
        try:
            subprocess.run(command, cwd=project, capture_output=True, text=True,
                           timeout=timeout * (count + 1) + 60, env=child_environment())
        except subprocess.TimeoutExpired:
            return BugResult(name, "error", time.perf_counter() - started, 0,
                             detail="the selfheal run did not finish")
        seconds = time.perf_counter() - started
        report_path = project / "r.json"
        if not report_path.is_file():
            return BugResult(name, "error", seconds, 0, detail="no JSON report was written")
        heals = json.loads(report_path.read_text(encoding="utf-8"))["heals"]
        result = BugResult(
            name, "unfixed", seconds,
            candidates=sum(heal["candidates_evaluated"] for heal in heals),
            reasons=[f"{heal['status']}: {heal['reason']}" for heal in heals],
        )
        healed = [heal for heal in heals if heal["status"] == "healed"]
        if not healed:
            return result
        for heal in healed:
            result.operators.append(winning_operator(heal))
            result.changes.append(heal["change"])
            applied = subprocess.run(["git", "apply", "-"], cwd=project, input=heal["diff"],
                                     capture_output=True, text=True, check=False)
            if applied.returncode != 0:
                result.status, result.detail = "error", f"diff does not apply: {applied.stderr}"
                return result
        visible = subprocess.run(pytest_command(test_file), cwd=project, capture_output=True,
                                 text=True, timeout=300, env=child_environment())
        if visible.returncode != 0:
            result.detail = last_line(visible.stdout)
            return result
        shutil.copy2(BUGS / name / HELDOUT, project / HELDOUT)
        held = subprocess.run(heldout_command(), cwd=project, capture_output=True, text=True,
                              timeout=300, env=child_environment())
        result.status = "fixed" if held.returncode == 0 else "plausible"
        result.detail = last_line(held.stdout)
        return result


def winning_operator(heal: dict[str, Any]) -> str:
    for entry in heal.get("leaderboard", []):
        if entry["passed"] and entry["change"] == heal["change"]:
            return str(entry["operator"])
    return "?"


def test_functions(path: Path) -> list[str]:
    return [line.split("(")[0][4:] for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("def test_")]


def child_environment() -> dict[str, str]:
    # No LLM endpoint may leak in from the caller: this measures the offline engine.
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("OPENAI_", "SELFHEAL_", "PYTEST_ADDOPTS"))}


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def check_corpus(names: Sequence[str]) -> int:
    """Check every bug: its tests fail as shipped and pass, held-out too, with ``fix.diff``."""
    problems = 0
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"check-{name}-") as scratch:
            project = Path(scratch) / name
            shutil.copytree(BUGS / name, project)
            test_file = f"test_{name}.py"
            env = child_environment()
            buggy = subprocess.run(pytest_command(test_file), cwd=project, capture_output=True,
                                   text=True, env=env, check=False)
            subprocess.run(["git", "apply", FIX], cwd=project, check=True)
            fixed = subprocess.run(pytest_command(test_file), cwd=project,
                                   capture_output=True, text=True, env=env, check=False)
            held = subprocess.run(heldout_command(), cwd=project, capture_output=True,
                                  text=True, env=env, check=False)
            count = len(test_functions(BUGS / name / test_file))
            checks = sum(1 for line in (BUGS / name / HELDOUT).read_text().splitlines()
                         if line.startswith("def check_"))
            verdicts = []
            if buggy.returncode != 1:
                verdicts.append("the bug fails no visible test")
            if fixed.returncode != 0:
                verdicts.append(f"the fix fails visible tests: {last_line(fixed.stdout)}")
            if held.returncode != 0:
                verdicts.append(f"the fix fails held-out checks: {last_line(held.stdout)}")
            if not 3 <= count <= 8:
                verdicts.append(f"{count} visible tests, expected 3 to 8")
            if checks < 5:
                verdicts.append(f"{checks} held-out checks, expected at least 5")
            problems += bool(verdicts)
            print(f"{'ok' if not verdicts else 'BAD':<4}{name:<22}"
                  f"{'; '.join(verdicts) or last_line(buggy.stdout)}")
    print(f"{len(names) - problems} of {len(names)} bugs are sound")
    return 1 if problems else 0


def summarize(results: Sequence[BugResult], timeout: float, wall: float) -> dict[str, Any]:
    total = len(results)
    counts = {status: sum(1 for r in results if r.status == status)
              for status in ("fixed", "plausible", "unfixed", "error")}
    seconds = [r.seconds for r in results]
    return {
        "bugs": total,
        **counts,
        "fix_rate": counts["fixed"] / total if total else 0.0,
        "plausible_rate": (counts["fixed"] + counts["plausible"]) / total if total else 0.0,
        "median_s": statistics.median(seconds) if seconds else 0.0,
        "worst_s": max(seconds, default=0.0),
        "candidates": sum(r.candidates for r in results),
        "timeout_s": timeout,
        "wall_s": wall,
        "machine": describe(),
    }


def print_table(results: Sequence[BugResult], summary: dict[str, Any]) -> None:
    print(f"{'bug':<22}{'status':<11}{'seconds':>8}{'cands':>7}  {'operator':<18}change")
    for r in results:
        change = "; ".join(r.changes) or (r.reasons[0] if r.reasons else r.detail)
        print(f"{r.name:<22}{r.status:<11}{r.seconds:>8.1f}{r.candidates:>7}  "
              f"{', '.join(r.operators) or '-':<18}{change[:90]}")
    total = summary["bugs"]
    print()
    print(f"fixed (verified on held-out checks): {summary['fixed']}/{total} "
          f"= {summary['fix_rate']:.0%}")
    print(f"plausible (visible tests pass):       {summary['fixed'] + summary['plausible']}"
          f"/{total} = {summary['plausible_rate']:.0%}   "
          f"(plausible only: {summary['plausible']}, unfixed: {summary['unfixed']}, "
          f"errors: {summary['error']})")
    print(f"seconds per bug: median {summary['median_s']:.1f}, worst {summary['worst_s']:.1f}; "
          f"candidates evaluated: {summary['candidates']}; "
          f"--selfheal-timeout {summary['timeout_s']:g}; wall {summary['wall_s']:.0f}s")
    print(f"machine: {summary['machine']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this bug (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="bugs healed at once (default 1: the plugin uses every core)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="--selfheal-timeout per failure (default 60)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--check-corpus", action="store_true",
                        help="only check the corpus itself: bugs fail, fixes pass")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be a positive integer, got {args.jobs!r}")
    names = bug_names(args.only)
    if args.check_corpus:
        return check_corpus(names)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_bug, name, args.timeout) for name in names]
        results = []
        for future in futures:
            result = future.result()
            results.append(result)
            print(f"  {result.name}: {result.status} ({result.seconds:.1f}s)", file=sys.stderr)
    summary = summarize(results, args.timeout, time.perf_counter() - started)
    print_table(results, summary)
    if args.json is not None:
        args.json.write_text(json.dumps({"summary": summary,
                                         "bugs": [asdict(r) for r in results]}, indent=2) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
