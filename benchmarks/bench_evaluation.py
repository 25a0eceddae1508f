"""Candidate evaluation throughput: forks of the session vs one pytest process each.

Heals an unfixable bug twice in one run, once with the default evaluator (forks of the
warm session) and once with ``--selfheal-evaluator subprocess``. Nothing passes, so both
judge exactly the same candidates; the time from the first verdict to the last is
measured through the ``pytest_selfheal_candidate_evaluated`` hook. On the fork path the
CPU time of the whole process tree (session, fork servers, forks) over the same span is
measured too, from ``/proc``: on a machine shared with other work it moves far less than
the wall-clock rate does.

    python benchmarks/bench_evaluation.py [--candidates 240] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

MODULE = '''\
def score(cards, bonus, limit):
    """Score a hand: face cards count 10, aces 11 or 1, a bonus over 3 cards."""
    if not cards or len(cards) > 10:
        return "invalid"
    total = 0
    aces = 0
    jokers = 0
    for card in cards:
        card = card.strip().upper()
        if card in ("J", "Q", "K", "10", "T"):
            total += 10
        elif card == "A":
            aces += 1
            total += 11
        elif card == "*":
            jokers += 1
        else:
            total += int(card)
    while jokers > 0 and total < limit:
        total = min(limit, total + 11)
        jokers -= 1
    while total > limit and aces > 0:
        total -= 10
        aces -= 1
    if len(cards) > 3 and total <= limit:
        total += bonus
    if total > limit:
        return "bust"
    if total == limit and len(cards) == 2 and aces == 1:
        return "blackjack"
    label = "hand-" + str(total)
    return label.upper()
'''

# The tests want a wording the code never produces: no candidate can pass, so both
# evaluators judge every candidate the engine makes, in the same order.
TESTS = '''\
import pytest

from cards import score


@pytest.mark.parametrize(("cards", "expected"), [
    (["2", "3"], "5 points"),
    (["K", "A"], "21 points"),
    (["A", "A", "9"], "21 points"),
    (["K", "Q", "5"], "bust"),
    (["2", "2", "2", "2"], "13 points"),
    (["J", "3"], "13 points"),
    (["A", "5"], "16 points"),
    (["9", "9", "A"], "19 points"),
])
def test_score(cards, expected):
    assert score(cards, 5, 21) == expected
'''

RECORDER = '''\
import json
import os
import time

import pytest


def tree_cpu_s():
    """CPU seconds of this process and every process under it, alive or reaped."""
    total, pending = 0, [os.getpid()]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                pending += [int(child) for child in children.read().split()]
        except OSError:
            continue  # ended meanwhile: its time is in its parent's by now
        total += sum(int(ticks) for ticks in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_candidate_evaluated(verdict):
    with open(os.environ["BENCH_VERDICTS"], "a") as out:
        out.write(json.dumps([time.perf_counter(), verdict.candidate.description,
                              verdict.passed, tree_cpu_s()]) + "\\n")
'''


def make_project(root: Path) -> None:
    (root / "tests").mkdir(parents=True)
    (root / "cards.py").write_text(MODULE)
    (root / "tests/test_cards.py").write_text(TESTS)
    (root / "conftest.py").write_text(RECORDER)
    (root / "pytest.ini").write_text("[pytest]\npythonpath = .\n")


def heal(root: Path, evaluator: str, candidates: int, workers: int
         ) -> tuple[float, float, list[str]]:
    """Seconds from the first verdict to the last, CPU seconds of the process tree over
    that span, and the candidates judged."""
    verdicts = root.parent / f"verdicts-{evaluator}.jsonl"
    # The offline engine learns operator rates per project: both runs start unlearned,
    # so they try the same candidates in the same order.
    shutil.rmtree(root / ".selfheal", ignore_errors=True)
    environment = dict(os.environ, BENCH_VERDICTS=str(verdicts))
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "--selfheal", "--selfheal-mode", "suggest",
         "--selfheal-evaluator", evaluator, "--selfheal-workers", str(workers),
         "--selfheal-max-candidates", str(candidates), "--selfheal-timeout", "3600",
         "-p", "no:cacheprovider"],
        cwd=root, env=environment, capture_output=True, check=False)
    rows = [json.loads(line) for line in verdicts.read_text().splitlines()]
    if any(passed for _, _, passed, _ in rows):
        raise SystemExit("a candidate passed: the benchmark needs an unfixable bug")
    return (rows[-1][0] - rows[0][0], rows[-1][3] - rows[0][3],
            sorted(description for _, description, _, _ in rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=240)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-evaluation-") as scratch:
        root = Path(scratch) / "project"
        make_project(root)
        started = time.perf_counter()
        load_before = os.getloadavg()[0]
        fork_s, fork_cpu_s, fork_seen = heal(root, "auto", args.candidates, args.workers)
        subprocess_s, _, subprocess_seen = heal(root, "subprocess", args.candidates,
                                                args.workers)
        total = time.perf_counter() - started
        load_after = os.getloadavg()[0]
    if fork_seen != subprocess_seen:
        raise SystemExit("the two evaluators did not judge the same candidates")
    count = len(fork_seen)
    print(f"machine: {describe()}")
    print(f"candidates judged by each evaluator: {count} (each stops at its first failing "
          f"millisecond test; {args.workers} workers)")
    print(f"fork of the session:      {fork_s:7.2f}s  {count / fork_s:7.1f} candidates/s  "
          f"{1000 * fork_cpu_s / (count - 1):5.1f} ms CPU per candidate")
    print(f"pytest subprocess each:   {subprocess_s:7.2f}s  {count / subprocess_s:7.1f} "
          "candidates/s")
    print(f"speedup of forking:       {subprocess_s / fork_s:7.1f}x   (whole benchmark "
          f"{total:.0f}s; load average {load_before:.1f} before, {load_after:.1f} after)")


if __name__ == "__main__":
    main()
