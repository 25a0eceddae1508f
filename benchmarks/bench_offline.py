"""How many bugs of ``benchmarks/bugs`` the offline engine really fixes, and how many it
gets wrong.

Each bug is a tiny project: a module with one planted bug, the tests the engine sees
(``test_<name>.py``), held-out checks it never sees (``heldout.py``, functions named
``check_*`` so pytest does not collect them by default), ``fix.diff`` and a ``bug.toml``
naming its kind (see ``_corpus.py``). For every bug this script:

1. copies the module and the visible tests (nothing else) to a temporary directory,
   makes it a git repository with one commit, and runs the real plugin there in a
   subprocess: ``python -m pytest --selfheal --selfheal-mode suggest
   --selfheal-report r.json -p no:cacheprovider --selfheal-timeout 60``;
2. applies the diffs of the healed failures from the JSON report;
3. runs the visible tests and then the held-out checks on the healed code.

A bug is **fixed** when the healed code passes the held-out checks too; **wrong** when the
plugin would have committed a fix that fails them (or the visible tests), shown with the
label the report gave it (``assurance``: verified or plausible); **unfixed** when it
healed nothing. The table also gives the rank of the function ``fix.diff`` touches among
the report's suspects, and for a healed fix how many of the tests the plugin held out of
its search ran the changed lines and passed (``conf``), how many passing candidates it
compared (``pass``) and whether it showed an input on which they disagree (``dist``). The
totals, overall and per kind, are the fix rate, the share of committed fixes that are
wrong, and the share of wrong fixes labelled verified (the target is 0). Usage::

    python benchmarks/bench_offline.py                 # every bug, one at a time
    python benchmarks/bench_offline.py --only gcd --only caesar
    python benchmarks/bench_offline.py --kind trap --json results.json
    python benchmarks/bench_offline.py --check-corpus  # buggy fails, fix.diff passes all

The ``hang`` bugs need pytest-timeout (in the ``test`` extra): their visible tests carry a
``pytest.mark.timeout(..., method="signal")`` marker. Bugs run one at a time by default:
the plugin already evaluates candidates on every core, so parallel bugs only make each
one slower.
"""

from __future__ import annotations

import argparse
import json
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
from _corpus import (
    BUGS,
    HELDOUT,
    KINDS,
    PRIVATE,
    bug_kind,
    bug_names,
    buggy_functions,
    check_corpus,
    child_environment,
    heldout_command,
    last_line,
    pytest_command,
    require_timeout_plugin,
    test_functions,
)
from _machine import describe

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}
STATUSES = ("fixed", "wrong", "unfixed", "error")


@dataclass
class BugResult:
    """What happened to one bug.

    :param status: ``fixed`` (held-out checks pass), ``wrong`` (a fix was healed but fails
        the held-out checks or the visible tests), ``unfixed``, or ``error`` (the run broke).
    :param label: the ``assurance`` the report gave the healed fix (``verified`` or
        ``plausible``), empty when nothing was healed.
    :param search: ``fixed`` or ``wrong`` for the best candidate the search found, even one
        the plugin did not heal with (failed verification), ``-`` when there was none.
    :param rank: 1-based rank of the function ``fix.diff`` touches among the suspects,
        ``None`` when the report does not list it.
    :param seconds: wall time of the ``pytest --selfheal`` run.
    :param operators: the operator of each heal that went into the fix.
    :param confirmed: per healed fix, held-out tests that ran its changed lines and passed,
        of the tests the plugin held out of its search (``2/3``).
    :param passing: distinct candidates that passed every test and were compared.
    :param disagreement: a healed fix came with an input on which passing fixes disagree.
    :param doubts: why the fixes are only plausible, as the report says.
    """

    name: str
    kind: str
    status: str
    seconds: float
    candidates: int
    label: str = ""
    rank: int | None = None
    search: str = "-"
    operators: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    passing: int = 0
    disagreement: bool = False
    doubts: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    detail: str = ""


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
                               env={**child_environment(), **GIT_IDENTITY}, check=True)
    return completed.stdout


def run_bug(name: str, timeout: float, reports: Path | None = None) -> BugResult:
    """Heal one bug with the real plugin and judge the result on the held-out checks."""
    kind = bug_kind(name)
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        project = make_project(name, Path(scratch))
        count = len(test_functions(project / f"test_{name}.py"))
        command = pytest_command("--selfheal", "--selfheal-mode", "suggest",
                                 "--selfheal-report", "r.json",
                                 "--selfheal-timeout", f"{timeout:g}")
        started = time.perf_counter()
        try:
            subprocess.run(command, cwd=project, capture_output=True, text=True,
                           timeout=timeout * (count + 1) + 60, env=child_environment())
        except subprocess.TimeoutExpired:
            return BugResult(name, kind, "error", time.perf_counter() - started, 0,
                             detail="the selfheal run did not finish")
        seconds = time.perf_counter() - started
        report_path = project / "r.json"
        if not report_path.is_file():
            return BugResult(name, kind, "error", seconds, 0,
                             detail="no JSON report was written")
        if reports is not None:
            shutil.copy2(report_path, reports / f"{name}.json")
        heals = json.loads(report_path.read_text(encoding="utf-8"))["heals"]
        result = BugResult(
            name, kind, "unfixed", seconds,
            candidates=sum(heal["candidates_evaluated"] for heal in heals),
            rank=suspect_rank(name, heals),
            reasons=[f"{heal['status']}: {heal['reason']}" for heal in heals],
        )
        healed = [heal for heal in heals if heal["status"] == "healed"]
        # The best candidate of a failure the plugin did not heal (it failed its
        # verification, say) tells how far the search itself got.
        best = healed or [heal for heal in heals if heal.get("diff")]
        for heal in best:
            operator, change = best_candidate(heal)
            result.operators.append(operator)
            result.changes.append(change)
        if healed:
            result.label = ",".join(sorted({heal.get("assurance") or "?" for heal in healed}))
            result.confirmed = [f"{heal.get('confirming_tests', '?')}/{heal['held_out_tests']}"
                                for heal in healed]
            result.passing = max(len(heal.get("passing_candidates") or []) for heal in healed)
            result.disagreement = any(heal.get("distinguishing_input") for heal in healed)
            result.doubts = [doubt for heal in healed for doubt in heal.get("doubts") or []]
            result.status, result.detail = judge_diffs(name, project, healed)
            result.search = result.status
        elif best:
            result.search, result.detail = judge_diffs(name, project, best)
        return result


def judge_diffs(name: str, project: Path, heals: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """``fixed`` or ``wrong`` for the code the heals' diffs make, and the last line said."""
    skipped = []
    for heal in heals:
        # Failures searched apart may find the same candidate, or ones that overlap: the
        # plugin would heal the first and re-run the others on the healed code.
        if git_apply(project, heal["diff"], "--check", "--reverse"):
            continue
        if not git_apply(project, heal["diff"]):
            skipped.append(heal["change"])
    if len(skipped) == len(heals):
        return "error", f"no diff applies: {'; '.join(skipped)}"
    visible = subprocess.run(pytest_command(f"test_{name}.py"), cwd=project,
                             capture_output=True, text=True, timeout=300,
                             env=child_environment())
    if visible.returncode != 0:
        return "wrong", f"visible tests: {last_line(visible.stdout)}"
    shutil.copy2(BUGS / name / HELDOUT, project / HELDOUT)
    held = subprocess.run(heldout_command(), cwd=project, capture_output=True, text=True,
                          timeout=300, env=child_environment())
    return ("fixed" if held.returncode == 0 else "wrong"), last_line(held.stdout)


def git_apply(project: Path, diff: str, *options: str) -> bool:
    applied = subprocess.run(["git", "apply", *options, "-"], cwd=project, input=diff,
                             capture_output=True, text=True, check=False)
    return applied.returncode == 0


def suspect_rank(name: str, heals: Sequence[dict[str, Any]]) -> int | None:
    """Best 1-based rank of the bug's function among the suspects of any heal."""
    wanted = set(buggy_functions(name))
    ranks = [position
             for heal in heals
             for position, suspect in enumerate(heal.get("suspects") or [], start=1)
             if suspect["function"] in wanted]
    return min(ranks, default=None)


def best_candidate(heal: dict[str, Any]) -> tuple[str, str]:
    """Operator and change of the heal's winner, or of its best passing candidate."""
    for entry in heal.get("leaderboard", []):
        if entry["passed"] and (entry["change"] == heal["change"] or not heal["change"]):
            return str(entry["operator"]), str(entry["change"])
    return "?", heal["change"]


def tally(results: Sequence[BugResult]) -> dict[str, Any]:
    """Counts and rates of a group of bugs."""
    total = len(results)
    counts = {status: sum(1 for r in results if r.status == status) for status in STATUSES}
    committed = counts["fixed"] + counts["wrong"]
    wrong_verified = sum(1 for r in results if r.status == "wrong" and "verified" in r.label)
    return {
        "bugs": total,
        **counts,
        "wrong_verified": wrong_verified,
        "fix_rate": counts["fixed"] / total if total else 0.0,
        "wrong_rate": counts["wrong"] / committed if committed else 0.0,
        "wrong_verified_share": wrong_verified / counts["wrong"] if counts["wrong"] else 0.0,
        "localized_first": sum(1 for r in results if r.rank == 1),
        "search_fixed": sum(1 for r in results if r.search == "fixed"),
        "search_wrong": sum(1 for r in results if r.search == "wrong"),
        "plausible": sum(1 for r in results if "plausible" in r.label),
        "disagreements": sum(1 for r in results if r.disagreement),
        "wrong_disagreements": sum(1 for r in results if r.status == "wrong" and r.disagreement),
    }


def summarize(results: Sequence[BugResult], timeout: float, wall: float) -> dict[str, Any]:
    seconds = [r.seconds for r in results]
    kinds = [kind for kind in KINDS if any(r.kind == kind for r in results)]
    return {
        **tally(results),
        "per_kind": {kind: tally([r for r in results if r.kind == kind]) for kind in kinds},
        # The bugs written apart from the operators: the figure that says what to expect.
        "not_classic": tally([r for r in results if r.kind != "classic"]),
        "median_s": statistics.median(seconds) if seconds else 0.0,
        "worst_s": max(seconds, default=0.0),
        "candidates": sum(r.candidates for r in results),
        "timeout_s": timeout,
        "wall_s": wall,
        "machine": describe(),
    }


def print_table(results: Sequence[BugResult], summary: dict[str, Any]) -> None:
    print(f"{'bug':<20}{'kind':<15}{'status':<8}{'label':<19}{'conf':<6}{'pass':>4}{'dist':>5} "
          f"{'search':<7}{'rank':>4}{'seconds':>8}{'cands':>6}  {'operator':<18}change")
    for r in results:
        change = "; ".join(r.changes) or (r.reasons[0] if r.reasons else r.detail)
        print(f"{r.name:<20}{r.kind:<15}{r.status:<8}{r.label or '-':<19}"
              f"{','.join(r.confirmed) or '-':<6}{r.passing or '-':>4}"
              f"{'yes' if r.disagreement else '-':>5} {r.search:<7}"
              f"{r.rank if r.rank is not None else '-':>4}{r.seconds:>8.1f}{r.candidates:>6}  "
              f"{', '.join(r.operators) or '-':<18}{change[:80]}")
    print()
    print(f"{'kind':<15}{'bugs':>5}{'fixed':>6}{'wrong':>6}{'unfixed':>8}{'error':>6}"
          f"{'fixed%':>7}{'wrong/committed':>17}{'verified/wrong':>16}{'rank 1':>7}"
          f"{'search fixed/wrong':>20}")
    rows = [*summary["per_kind"].items(), ("all", summary)]
    if len(summary["per_kind"]) > 1 and "classic" in summary["per_kind"]:
        rows.insert(-1, ("not classic", summary["not_classic"]))
    for kind, row in rows:
        committed = row["fixed"] + row["wrong"]
        print(f"{kind:<15}{row['bugs']:>5}{row['fixed']:>6}{row['wrong']:>6}"
              f"{row['unfixed']:>8}{row['error']:>6}{row['fix_rate']:>7.0%}"
              f"{row['wrong']:>8}/{committed:<3}= {row['wrong_rate']:>4.0%}"
              f"{row['wrong_verified']:>7}/{row['wrong']:<3}= {row['wrong_verified_share']:>4.0%}"
              f"{row['localized_first']:>7}{row['search_fixed']:>14}/{row['search_wrong']:<5}")
    print()
    print(f"fixed (passes held-out checks): {summary['fixed']}/{summary['bugs']} "
          f"= {summary['fix_rate']:.0%}; wrong fixes: {summary['wrong']} of "
          f"{summary['fixed'] + summary['wrong']} healed = {summary['wrong_rate']:.0%}, "
          f"{summary['wrong_verified']} of them labelled verified")
    print(f"labelled plausible: {summary['plausible']} of {summary['fixed'] + summary['wrong']} "
          f"healed; an input on which passing fixes disagree shown for "
          f"{summary['disagreements']} ({summary['wrong_disagreements']} of the "
          f"{summary['wrong']} wrong)")
    print("conf: held-out tests (of those the plugin held out of its search) that ran the "
          "changed lines and passed; pass: passing candidates compared; dist: a "
          "distinguishing input was shown")
    print("search: the best candidate found, healed or not (one that failed its "
          "verification too), judged the same way")
    print(f"seconds per bug: median {summary['median_s']:.1f}, worst {summary['worst_s']:.1f}; "
          f"candidates evaluated: {summary['candidates']}; "
          f"--selfheal-timeout {summary['timeout_s']:g}; wall {summary['wall_s']:.0f}s")
    print(f"machine: {summary['machine']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this bug (repeatable)")
    parser.add_argument("--kind", action="append", default=[], choices=KINDS,
                        help="run only the bugs of this kind (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="bugs healed at once (default 1: the plugin uses every core)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="--selfheal-timeout per failure (default 60)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--reports", type=Path, metavar="DIR",
                        help="keep each bug's JSON report of the plugin in DIR")
    parser.add_argument("--check-corpus", action="store_true",
                        help="only check the corpus itself: bugs fail, fixes pass")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be a positive integer, got {args.jobs!r}")
    names = bug_names(args.only, args.kind)
    if not names:
        parser.error("no bug matches --only and --kind together")
    require_timeout_plugin(names)
    if args.check_corpus:
        return check_corpus(names)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        if args.reports is not None:
            args.reports.mkdir(parents=True, exist_ok=True)
        futures = [pool.submit(run_bug, name, args.timeout, args.reports) for name in names]
        results = []
        for future in futures:
            result = future.result()
            results.append(result)
            print(f"  {result.name}: {result.status} {result.label} (search: {result.search}, "
                  f"{result.seconds:.1f}s)",
                  file=sys.stderr, flush=True)
    summary = summarize(results, args.timeout, time.perf_counter() - started)
    print_table(results, summary)
    if args.json is not None:
        args.json.write_text(json.dumps({"summary": summary,
                                         "bugs": [asdict(r) for r in results]}, indent=2) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
