"""The LLM path when the model answers right at once: calls per fix, plugin time per fix.

A project with ``--bugs`` one-line bugs, each in its own module and caught by its own
test, healed by ``pytest --selfheal`` against the local protocol server of
:mod:`pytest_selfheal.testing`, which answers every request at once with the right
function. Per heal the JSON report gives the time spent and the model calls made; the
server's own time answering is measured and taken off, which leaves what the plugin
costs (localization, prompts, parsing, evaluation, verification, commit, reload).

    python benchmarks/bench_llm.py [--bugs 8]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe

from pytest_selfheal.testing import OpenAIServer, Request, make_git_project

#: (function, its parameters, buggy body line, fixed body line, test) per bug.
BUGS = [
    ("clamp", "value, low, high", "return max(low, min(value, low))",
     "return max(low, min(value, high))",
     "assert clamp(15, 0, 10) == 10\n    assert clamp(-3, 0, 10) == 0"),
    ("average", "values", "return sum(values) / (len(values) + 1)",
     "return sum(values) / len(values)",
     "assert average([2, 4, 6]) == 4"),
    ("is_leap", "year", "return year % 4 == 0 and year % 100 != 0",
     "return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)",
     "assert is_leap(2000)\n    assert not is_leap(1900)\n    assert is_leap(2024)"),
    ("last_word", "text", "return text.split()[0]", "return text.split()[-1]",
     "assert last_word('the quick fox') == 'fox'"),
    ("percent", "part, whole", "return round(part / whole * 10, 1)",
     "return round(part / whole * 100, 1)",
     "assert percent(1, 4) == 25.0"),
    ("initials", "name", "return ''.join(word[1] for word in name.split())",
     "return ''.join(word[0] for word in name.split())",
     "assert initials('Ada Lovelace') == 'AL'"),
    ("count_vowels", "text", "return sum(1 for c in text if c in 'aeio')",
     "return sum(1 for c in text if c in 'aeiou')", "assert count_vowels('tuna') == 2"),
    ("squares", "count", "return [n * n for n in range(1, count)]",
     "return [n * n for n in range(1, count + 1)]", "assert squares(3) == [1, 4, 9]"),
]


def project(bugs: int) -> dict[str, str]:
    files = {"pytest.ini": "[pytest]\npythonpath = .\n"}
    for name, signature, buggy, _, test in BUGS[:bugs]:
        files[f"lib_{name}.py"] = f'def {name}({signature}):\n    """{name}."""\n    {buggy}\n'
        files[f"tests/test_{name}.py"] = (f"from lib_{name} import {name}\n\n\n"
                                          f"def test_{name}():\n    {test}\n")
    return files


class RightAtOnce:
    """Answers each request with the fixed version of the function it asks about."""

    def __init__(self, bugs: int) -> None:
        self.bugs = BUGS[:bugs]
        self.busy_s = 0.0
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> str:
        started = time.perf_counter()
        text = request.text
        answer = "I cannot tell which function to fix."
        for name, _, buggy, fixed, _ in self.bugs:
            if f"def {name}(" in text and buggy in text:
                source = (Path(os.environ["BENCH_PROJECT"]) / f"lib_{name}.py").read_text()
                answer = "```python\n" + source.replace(buggy, fixed) + "```\n"
                break
        with self._lock:
            self.busy_s += time.perf_counter() - started
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bugs", type=int, default=len(BUGS), choices=range(1, len(BUGS) + 1))
    args = parser.parse_args()
    responder = RightAtOnce(args.bugs)
    with tempfile.TemporaryDirectory(prefix="bench-llm-") as scratch, \
            OpenAIServer(respond=responder) as server:
        root = make_git_project(Path(scratch), project(args.bugs))
        os.environ["BENCH_PROJECT"] = str(root)
        environment = dict(os.environ, OPENAI_BASE_URL=server.url, OPENAI_API_KEY="bench",
                           SELFHEAL_MODEL="fake-model")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--selfheal", "--selfheal-provider", "openai",
                        "--selfheal-report", "report.json"],
                       cwd=root, env=environment, capture_output=True, check=False)
        wall = time.perf_counter() - started
        report = json.loads((root / "report.json").read_text())
    heals = report["heals"]
    healed = [heal for heal in heals if heal["status"] == "healed"]
    calls = [heal["llm_calls"] for heal in healed]
    times = [heal["elapsed_s"] for heal in healed]
    server_share = responder.busy_s / max(1, len(healed))
    print(f"machine: {describe()}")
    used = report["budget"]["calls"]["used"]
    print(f"bugs: {args.bugs}, healed: {len(healed)}, model calls: {used}")
    if not healed:
        raise SystemExit("nothing was healed")
    print(f"model calls per fix: {statistics.mean(calls):.2f} (target 1)")
    print(f"plugin time per fix, the server's {server_share * 1000:.1f} ms taken off: "
          f"median {statistics.median(times) - server_share:.2f}s, "
          f"worst {max(times) - server_share:.2f}s "
          f"({(statistics.median(times) - server_share) / 3:.2f}x the 3 s target)")
    print(f"whole pytest run: {wall:.1f}s")


if __name__ == "__main__":
    main()
