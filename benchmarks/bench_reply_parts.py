"""Reading hostile replies costs time linear in their length.

The parts of a reply that :mod:`pytest_selfheal.engines._refine.reply_parts` reads
(reasoning sections, fences, bare code) are scanned line by line or with fixed-string
searches. This times them on replies built to make backtracking parsers slow (many
openings and no closings, thousands of fences, long lines of prose) at growing sizes:
twice the text should cost about twice the time, never four times.

    python benchmarks/bench_reply_parts.py [--largest 400000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

from pytest_selfheal.engines._refine.reply_parts import bare_code, code_blocks, without_thinking

SHAPES: dict[str, Callable[[int], str]] = {
    "open <think> tags, never closed": lambda size: "<think> a" * (size // 9),
    "lone </think> tags": lambda size: "x </think>" * (size // 10),
    "fences, none closed": lambda size: "```python\nx = 1\n" * (size // 17),
    "one long line of backticks": lambda size: "`" * size,
    "prose lines that look like code": lambda size: "from the start, def is\n" * (size // 23),
}


def cost(function: Callable[[str], object], text: str, repeats: int = 7) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - started)
    return best


def read_all(text: str) -> object:
    answer = without_thinking(text)
    return code_blocks(answer), bare_code(answer)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=400_000)
    arguments = parser.parse_args()
    print(describe())
    sizes = [arguments.largest // 4, arguments.largest // 2, arguments.largest]
    print(f"{'reply shape':36} " + " ".join(f"{size:>10,}" for size in sizes) + "  ratio")
    for name, make in SHAPES.items():
        seconds = [cost(read_all, make(size)) for size in sizes]
        ratio = seconds[-1] / max(seconds[-2], 1e-9)
        print(f"{name:36} " + " ".join(f"{s * 1000:>8.1f}ms" for s in seconds)
              + f"  {ratio:4.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
