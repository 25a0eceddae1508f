"""What `--selfheal` costs a suite: wall time on a green suite, peak memory of pytest.

Generates a project of ``--tests`` passing tests over a few modules (a green suite) and a
copy of it with one failing test, then runs, alternating so that a busy machine hurts
both sides alike:

- the green suite with plain ``pytest`` and with ``pytest --selfheal`` (wall time);
- the failing copy with plain ``pytest`` and with ``pytest --selfheal`` in suggest mode,
  which heals it (peak resident memory of the pytest process, from ``wait4``).

    python benchmarks/bench_overhead.py [--tests 500] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

MODULE = '''\
def clamp_{n}(value, low, high):
    """Keep value within [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value


def mean_{n}(values):
    """Arithmetic mean of a non-empty list."""
    return sum(values) / len(values)


def words_{n}(text):
    """Count the words of a text."""
    return len(text.split())
'''

TEST = '''\
import pytest

from pkg.mod{n} import clamp_{n}, mean_{n}, words_{n}


@pytest.mark.parametrize("value", range({count}))
def test_clamp(value):
    assert clamp_{n}(value, 10, 20) == min(max(value, 10), 20)


def test_mean():
    assert mean_{n}([1, 2, 3]) == 2


def test_words():
    assert words_{n}("a b  c") == 3
'''


def make_project(root: Path, tests: int, modules: int = 10, broken: bool = False) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pkg/__init__.py").write_text("")
    (root / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    per_module = tests // modules - 2  # two more tests per module besides the parametrized
    for n in range(modules):
        source = MODULE.format(n=n)
        if broken and n == 0:
            source = source.replace("sum(values) / len(values)", "sum(values) / (len(values) + 1)")
        (root / f"pkg/mod{n}.py").write_text(source)
        (root / f"tests/test_mod{n}.py").write_text(TEST.format(n=n, count=per_module))


def run(root: Path, selfheal: bool) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS in KiB of one pytest process."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if selfheal:
        command += ["--selfheal", "--selfheal-mode", "suggest"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, process.returncode, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as scratch:
        green, broken = Path(scratch) / "green", Path(scratch) / "broken"
        make_project(green, args.tests)
        make_project(broken, args.tests, broken=True)
        # Warm-up: bytecode caches, page cache; not measured.
        run(green, False)
        run(green, True)
        walls: dict[bool, list[float]] = {False: [], True: []}
        peaks: dict[bool, list[int]] = {False: [], True: []}
        for _ in range(args.repeats):
            for selfheal in (False, True):
                wall, code, _ = run(green, selfheal)
                if code != 0:
                    raise SystemExit(f"the green suite failed (selfheal={selfheal})")
                walls[selfheal].append(wall)
        for _ in range(max(3, args.repeats // 2)):
            for selfheal in (False, True):
                _, code, peak = run(broken, selfheal)
                if code != 1:
                    raise SystemExit(f"the broken suite should fail once (selfheal={selfheal})")
                peaks[selfheal].append(peak)
    plain, healed = statistics.median(walls[False]), statistics.median(walls[True])
    plain_rss, healed_rss = statistics.median(peaks[False]), statistics.median(peaks[True])
    print(f"machine: {describe()}")
    print(f"green suite of {args.tests} tests, median of {args.repeats} alternating runs:")
    print(f"  plain pytest:        {plain:6.2f}s")
    print(f"  pytest --selfheal:   {healed:6.2f}s   ratio {healed / plain:.3f}x")
    print("peak RSS of the pytest process on the same suite with one failing test "
          "(selfheal heals it):")
    print(f"  plain pytest:        {plain_rss / 1024:6.1f} MiB")
    print(f"  pytest --selfheal:   {healed_rss / 1024:6.1f} MiB   ratio "
          f"{healed_rss / plain_rss:.2f}x")


if __name__ == "__main__":
    main()
