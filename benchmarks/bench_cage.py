"""What the cage costs: each of its steps in a fork, and the launcher before a process.

- ``enter`` (unsharing the namespaces, in the intermediate process), ``init`` (the
  read-only world, in the first process of the PID namespace) and ``lock`` (descriptors,
  privileges, seccomp, in the process that runs candidate code), timed in forks of this
  process: the fork path pays ``enter`` and ``init`` once per fork server and ``lock``
  once per candidate;
- a trivial command started through the launcher and without it, alternating.

    python benchmarks/bench_cage.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

from pytest_selfheal._evaluate import cage, lockdown


def steps(scratch: str) -> dict[str, float]:
    """Seconds of enter, init and lock, measured in forks as the fork path uses them."""
    read, write = os.pipe()
    if os.fork() == 0:
        spec = cage.CageSpec(writable=(scratch,))
        began = time.perf_counter()
        entered = cage.enter(spec)
        entering = time.perf_counter() - began
        if os.fork() == 0:
            began = time.perf_counter()
            notes: list[str] = []
            if entered.namespaces:
                cage.init(spec, notes)
            initialising = time.perf_counter() - began
            began = time.perf_counter()
            lockdown.lock({write})
            locking = time.perf_counter() - began
            os.write(write, json.dumps({"enter": entering, "init": initialising,
                                        "lock": locking, "notes": notes}).encode())
            os._exit(0)
        os.wait()
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as result:
        found = json.loads(result.read())
    os.wait()
    return found


def started(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    repeats = parser.parse_args().repeats
    print(describe())
    print(f"user {os.getuid()}")
    with tempfile.TemporaryDirectory() as scratch:
        measured = [steps(scratch) for _ in range(repeats)]
        for step in ("enter", "init", "lock"):
            print(f"{step:6} median {1000 * statistics.median(m[step] for m in measured):6.2f} ms")
        plain = [sys.executable, "-I", "-S", "-c", "pass"]
        spec = cage.CageSpec(writable=(scratch,)).to_json()
        caged = [sys.executable, "-I", "-S", cage.__file__, spec, "--", *plain]
        times: dict[str, list[float]] = {"plain": [], "caged": []}
        for _ in range(repeats):
            times["plain"].append(started(plain))
            times["caged"].append(started(caged))
    for name, values in times.items():
        print(f"{name:6} median {1000 * statistics.median(values):6.2f} ms  (python -I -S -c pass)")
    notes = {note for m in measured for note in m["notes"]}
    print("notes: " + ("; ".join(sorted(notes)) or "none"))


if __name__ == "__main__":
    main()
