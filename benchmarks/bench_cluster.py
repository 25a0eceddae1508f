"""Judging candidates on a Dask cluster vs on this machine.

The same candidates are judged on a suite whose tests take about a second each (a sleep
in the function under test, the way tests that wait on I/O take their time), once by
the local pool (fresh pytest processes, ``--selfheal-workers`` of them at once) and once
on a ``LocalCluster`` of each size asked for, side by side in one run. Every
configuration must give the same verdicts; the wall time of judging them all and the
speedup over the local pool are printed.

    python benchmarks/bench_cluster.py [--candidates 16] [--tests 4] [--clusters 2,4,8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from distributed import LocalCluster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

from pytest_selfheal._evaluate import Evaluator, ProjectLayout, Workload
from pytest_selfheal._evaluate.dask_executor import DaskExecutor
from pytest_selfheal._options import ExecutorAddress
from pytest_selfheal.models import Candidate, FunctionRef

MODULE = '''\
import time


def settle(balance, payment):
    """The balance after a payment, never below zero; settling takes a second."""
    time.sleep(1.0)
    return max(0, balance - payment)
'''
TEST = '''
def test_settle_{n}():
    assert settle({n} + 10, 10) == {n}
'''
#: Candidate bodies: the fix, and wrong ones that fail every test.
VARIANTS = ("max(0, balance - payment)", "balance - payment + 1", "max(1, balance - payment)",
            "balance + payment", "max(0, payment - balance)", "abs(balance) - payment + 1")


def make_project(root: Path, tests: int) -> ProjectLayout:
    (root / "src/ledger").mkdir(parents=True)
    (root / "src/ledger/__init__.py").write_text("")
    (root / "src/ledger/settle.py").write_text(MODULE)
    (root / "tests").mkdir()
    (root / "tests/test_settle.py").write_text(
        "from ledger.settle import settle\n" + "".join(TEST.format(n=n) for n in range(tests)))
    (root / "pytest.ini").write_text("[pytest]\npythonpath = src\n")
    return ProjectLayout(root=root, inifile="pytest.ini", test_files=("tests/test_settle.py",),
                         import_roots=("src",), modules={"ledger.settle": "src/ledger/settle.py"})


def candidates(count: int) -> list[Candidate]:
    function = FunctionRef("src/ledger/settle.py", "settle", 4, 7)
    found = []
    for index in range(count):
        body = VARIANTS[index % len(VARIANTS)]
        source = MODULE.replace("max(0, balance - payment)", body)
        found.append(Candidate(function, source, "bench", f"{index}: {body}", 4))
    return found


def judge(pool: Evaluator, work: Workload, count: int) -> tuple[float, list[tuple]]:
    """Seconds to judge the candidates, and their verdicts."""
    pool.candidate_limits(work, "subprocess")  # the unchanged code's cost, measured first
    started = time.perf_counter()
    verdicts = pool.judge_all(candidates(count), work, should_stop=lambda: False)
    wall_s = time.perf_counter() - started
    pool.close()
    return wall_s, [(v.passed, v.tests_passed) for v in verdicts]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=16)
    parser.add_argument("--tests", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="local pool's workers")
    parser.add_argument("--clusters", default="2,4,8", help="cluster sizes (workers)")
    args = parser.parse_args()
    print(describe())
    print(f"{args.candidates} candidates, {args.tests} tests of about 1 s each per candidate")
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as scratch:
        layout = make_project(Path(scratch) / "project", args.tests)
        expected = {f"tests/test_settle.py::test_settle_{n}": "passed" for n in range(args.tests)}
        work = Workload(expected, dict.fromkeys(expected, 1.0),
                        deadline=time.perf_counter() + 3600)
        rows = []
        local_s, reference = judge(Evaluator(layout, args.workers, None), work,
                                   args.candidates)
        rows.append((f"local pool, {args.workers} workers", local_s, True))
        for size in (int(part) for part in args.clusters.split(",")):
            with LocalCluster(n_workers=size, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                executor = DaskExecutor(ExecutorAddress(cluster.scheduler_address), layout)
                wall_s, verdicts = judge(Evaluator(layout, args.workers, None,
                                                   executor=executor), work, args.candidates)
            rows.append((f"LocalCluster, {size} workers", wall_s, verdicts == reference))
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    print(f"\n{'where':<28} {'wall time':>10} {'speedup':>8}  same verdicts")
    for name, wall_s, same in rows:
        print(f"{name:<28} {wall_s:>9.1f}s {local_s / wall_s:>7.2f}x  {'yes' if same else 'NO'}")
    return 0 if all(same for *_, same in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
