"""Fitness growth per generation of the evolve engine, on a scripted workload.

A local OpenAI-protocol server (pytest_selfheal.testing.OpenAIServer, the real
``openai`` client over loopback) plays a model that improves when shown a parent:
generation 0 gets a wrong answer and a correct but quadratic one; a mutation of the
quadratic one comes back as a linear Python loop, a mutation of that as a dict-based
one-liner. `pytest --selfheal --selfheal-engine evolve` heals the bug; the JSON report
gives the best fitness of each generation (the pass rate, plus log2 of the speedup over
the original once every test passes) and the speedup measured side by side with the
original in the same run.

    python benchmarks/bench_evolution.py [--size 1000] [--calls 50] [--generations 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

from pytest_selfheal._reports.report import sparkline
from pytest_selfheal.testing import OpenAIServer, Request, fenced, make_git_project

BUGGY = '''\
def unique(items):
    """The items without repeats, in the order they first appear."""
    if not items:
        return None
    kept = []
    for item in items:
        if item not in kept:
            kept.append(item)
    return kept
'''
WRONG = fenced('''
    def unique(items):
        return sorted(set(items))
''')
QUADRATIC = fenced('''
    def unique(items):
        kept = []
        for item in items:
            if item not in kept:
                kept.append(item)
        return kept
''')
LINEAR_LOOP = fenced('''
    def unique(items):
        seen = set()
        kept = []
        for item in items:
            if item not in seen:
                seen.add(item)
                kept.append(item)
        return kept
''')
ONE_LINER = fenced('''
    def unique(items):
        return list(dict.fromkeys(items))
''')


def improving_model(request: Request) -> str:
    """Seeds first; then each parent shown comes back one step faster."""
    text = request.text
    if "improve system prompts" in text:
        return "Prefer the data structure that makes the common operation O(1)."
    if "A candidate version" not in text and "Version 1" not in text:
        return QUADRATIC
    if "seen.add(item)" in text:
        return ONE_LINER
    if "kept.append(item)" in text:
        return LINEAR_LOOP
    return QUADRATIC


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="distinct items in the big test")
    parser.add_argument("--calls", type=int, default=50,
                        help="calls of unique() in the big test, so that the function's own "
                        "time dominates the test's fixed costs")
    parser.add_argument("--generations", type=int, default=4)
    args = parser.parse_args()
    tests = textwrap.dedent(f'''\
        from uniq.core import unique


        def test_empty():
            assert unique([]) == []


        def test_order():
            assert unique([3, 1, 3, 2, 1]) == [3, 1, 2]


        def test_many():
            items = list(range({args.size})) * 2
            for _ in range({args.calls}):
                assert unique(items) == items[:{args.size}]
        ''')
    with tempfile.TemporaryDirectory(prefix="bench-evolution-") as scratch, \
            OpenAIServer([WRONG], respond=improving_model) as server:
        root = make_git_project(Path(scratch) / "project", {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
            ".gitignore": "__pycache__/\n",
            "src/uniq/__init__.py": "",
            "src/uniq/core.py": BUGGY,
            "tests/test_unique.py": tests,
        })
        env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "sk-bench-0000000"}
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--selfheal",
             "--selfheal-model", "fake-model", "--selfheal-prices", "fake-model=0/0",
             "--selfheal-engine", "evolve", "--selfheal-population", "2",
             "--selfheal-generations", str(args.generations), "--selfheal-report",
             "report.json"],
            cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False)
        report = json.loads((root / "report.json").read_text())
    heal = report["heals"][0]
    history = heal["fitness_per_generation"]
    winner = heal["winner"] or {}
    print(f"machine: {describe()}")
    print(f"workload: heal unique(), {args.calls} calls on {args.size}x2 items; population 2, "
          f"at most "
          f"{args.generations} generations; {heal['candidates_evaluated']} candidates, "
          f"{heal['llm_calls']} LLM calls, {heal['elapsed_s']:.1f}s")
    print("generation  best fitness")
    for generation, fitness in enumerate(history):
        print(f"{generation:>10}  {fitness:12.3f}")
    print(f"fitness per generation: {sparkline(history)}")
    print("leaderboard (best call-phase time of the timed tests, min of the timing runs):")
    for place, entry in enumerate(heal["leaderboard"], start=1):
        best = entry["best_time_s"]
        timing = f"{best * 1000:9.3f} ms" if best is not None else "   not timed"
        print(f"  {place}. {'pass' if entry['passed'] else 'FAIL'} {timing}  {entry['change']}")
    if winner.get("speedup") is not None:
        print(f"winner: {heal['change']}; speedup over the original {winner['speedup']:.1f}x "
              f"(medians {winner['speedup_median']:.1f}x, {winner['timing_runs']} timing runs "
              f"each, spread {winner['spread']:.0%}), measured side by side in this run")
    else:
        print(f"no timed winner: {heal['status']}: {heal['reason']}")
    return 0 if heal["status"] == "healed" else 1


if __name__ == "__main__":
    sys.exit(main())
