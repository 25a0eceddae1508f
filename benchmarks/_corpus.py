"""The bug corpus of ``benchmarks/bugs``: what each bug is, and a check that it is sound.

A bug directory holds a module with one planted bug, the visible tests
``test_<name>.py``, the held-out checks ``heldout.py`` (functions named ``check_*``),
``fix.diff`` that restores the correct code, and ``bug.toml`` with the bug's ``kind``:

- ``classic``: the first corpus, written together with the offline engine's operators;
- ``slice``: an iterable or a recursive argument that lacks its slice (``a`` for ``a[1:]``);
- ``loop-condition``: ``while True`` where the loop must test something the function
  already checks elsewhere (a queue, a heap, a length);
- ``two-edits``: two changes on one line (``== 0`` for ``<= 1``);
- ``wrong-variable``: a wrong name in a ``return`` or a comprehension;
- ``hang``: a loop or recursion that never ends on a visible test. Those tests carry
  ``pytestmark = pytest.mark.timeout(..., method="signal")``, so they need pytest-timeout
  (in the ``test`` extra); the marker travels with the test file to every run;
- ``trap``: a plausible wrong single edit passes every visible test and fails held-out
  checks; ``trap.diff`` holds that edit, applied to the buggy code.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

BUGS = Path(__file__).resolve().parent / "bugs"

HELDOUT = "heldout.py"
FIX = "fix.diff"
TRAP = "trap.diff"
META = "bug.toml"
# Files of a bug directory the engine must never see.
PRIVATE = frozenset({HELDOUT, FIX, TRAP, META})
KINDS = ("classic", "slice", "loop-condition", "two-edits", "wrong-variable", "hang", "trap")

HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")

# Counts the held-out checks that execute given lines of the fixed module: a check that
# never reaches the fix cannot tell a right fix from a wrong one.
TRACE_CHECKS = """
import importlib, json, os, sys
sys.path.insert(0, os.getcwd())
target, lines = os.path.abspath(sys.argv[1]), set(json.loads(sys.argv[2]))
heldout = importlib.import_module("heldout")
reached = []
for name in sorted(vars(heldout)):
    if not name.startswith("check_"):
        continue
    hit = []
    def trace(frame, event, arg):
        if os.path.abspath(frame.f_code.co_filename) != target:
            return None
        if event == "line" and frame.f_lineno in lines:
            hit.append(frame.f_lineno)
        return trace
    sys.settrace(trace)
    try:
        getattr(heldout, name)()
    finally:
        sys.settrace(None)
    if hit:
        reached.append(name)
print(json.dumps(reached))
"""


def bug_kind(name: str) -> str:
    """The ``kind`` in the bug's ``bug.toml``."""
    path = BUGS / name / META
    kind = tomllib.loads(path.read_text(encoding="utf-8")).get("kind") if path.is_file() else None
    if kind not in KINDS:
        raise SystemExit(f"bench_offline: {path} must say kind = one of {', '.join(KINDS)}, "
                         f"got {kind!r}")
    return str(kind)


def bug_names(only: Sequence[str], kinds: Sequence[str] = ()) -> list[str]:
    """The bugs to run: every directory of ``benchmarks/bugs``, or the ones asked for."""
    every = sorted(path.name for path in BUGS.iterdir() if (path / HELDOUT).is_file())
    unknown = sorted(set(only) - set(every))
    if unknown:
        raise SystemExit(f"bench_offline: unknown bug {', '.join(unknown)}; "
                         f"choose from {', '.join(every)}")
    return [name for name in every
            if (not only or name in only) and (not kinds or bug_kind(name) in kinds)]


def require_timeout_plugin(names: Sequence[str]) -> None:
    """Stop early when a ``hang`` bug would run without pytest-timeout to end its loop."""
    hangs = [name for name in names if bug_kind(name) == "hang"]
    if hangs and importlib.util.find_spec("pytest_timeout") is None:
        raise SystemExit("bench_offline: the hang bugs need pytest-timeout; install it with "
                         "pip install -e '.[test]' or leave them out with --kind")


def changed_lines(diff: str) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """The lines a unified diff touches, per file: numbers in the old and in the new file.

    A hunk that only removes lines counts the next line of the new file; one that only adds
    lines counts the line before the insertion in the old file.
    """
    old: dict[str, set[int]] = {}
    new: dict[str, set[int]] = {}
    path = ""
    old_no = new_no = 0
    pending_removal = pending_addition = False
    for line in diff.splitlines():
        if line.startswith("+++ "):
            path = line[4:].split("\t")[0].removeprefix("b/")
            continue
        if line.startswith("--- "):
            continue
        match = HUNK.match(line)
        if match:
            old_no, new_no = int(match.group(1)), int(match.group(2))
            continue
        if line.startswith("-"):
            old.setdefault(path, set()).add(old_no)
            old_no += 1
            pending_removal = True
        elif line.startswith("+"):
            new.setdefault(path, set()).add(new_no)
            if not pending_removal:
                old.setdefault(path, set()).add(old_no - 1)
            new_no += 1
            pending_addition = True
        else:
            if pending_removal and not pending_addition:
                new.setdefault(path, set()).add(new_no)
            pending_removal = pending_addition = False
            old_no += 1
            new_no += 1
    return old, new


def enclosing_functions(source: str, line: int) -> list[str]:
    """Qualified names of the functions around ``line``, outermost first.

    A nested function is named both ``outer.inner`` and ``outer.<locals>.inner``.
    """
    names: list[str] = []

    def visit(node: ast.AST, plain: str, local: str) -> None:
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if not child.lineno <= line <= (child.end_lineno or child.lineno):
                continue
            name_plain, name_local = plain + child.name, local + child.name
            if isinstance(child, ast.ClassDef):
                visit(child, name_plain + ".", name_local + ".")
            else:
                names.extend([name_plain, name_local])
                visit(child, name_plain + ".", name_local + ".<locals>.")

    visit(ast.parse(source), "", "")
    return list(dict.fromkeys(names))


def buggy_functions(name: str) -> list[str]:
    """Every name the report may give the function that ``fix.diff`` touches."""
    old, _ = changed_lines((BUGS / name / FIX).read_text(encoding="utf-8"))
    found: list[str] = []
    for path, lines in old.items():
        source = (BUGS / name / path).read_text(encoding="utf-8")
        for line in sorted(lines):
            found += [f"{path}::{qualname}" for qualname in enclosing_functions(source, line)]
    return list(dict.fromkeys(found))


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def heldout_command() -> list[str]:
    return pytest_command("-o", "python_functions=check_*", HELDOUT)


def child_environment() -> dict[str, str]:
    # No LLM endpoint may leak in from the caller: this measures the offline engine.
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("OPENAI_", "SELFHEAL_", "PYTEST_ADDOPTS"))}


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def test_functions(path: Path) -> list[str]:
    return [line.split("(")[0][4:] for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("def test_")]


def failed_count(output: str) -> int:
    match = re.search(r"(\d+) failed", last_line(output))
    return int(match.group(1)) if match else 0


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                          env=child_environment(), check=False, timeout=600)


def judge_bug(name: str, project: Path) -> list[str]:
    """What is wrong with one bug, copied to ``project``; empty when it is sound."""
    kind = bug_kind(name)
    test_file = f"test_{name}.py"
    verdicts = []
    buggy = run(pytest_command(test_file), project)
    if buggy.returncode != 1:
        verdicts.append("the bug fails no visible test")
    if kind == "trap":
        verdicts += judge_trap(project, test_file)
    subprocess.run(["git", "apply", FIX], cwd=project, check=True)
    fixed = run(pytest_command(test_file), project)
    held = run(heldout_command(), project)
    if fixed.returncode != 0:
        verdicts.append(f"the fix fails visible tests: {last_line(fixed.stdout)}")
    if held.returncode != 0:
        verdicts.append(f"the fix fails held-out checks: {last_line(held.stdout)}")
    count = len(test_functions(project / test_file))
    checks = sum(1 for line in (project / HELDOUT).read_text().splitlines()
                 if line.startswith("def check_"))
    if not 3 <= count <= 8:
        verdicts.append(f"{count} visible tests, expected 3 to 8")
    if checks < 5:
        verdicts.append(f"{checks} held-out checks, expected at least 5")
    if held.returncode == 0:
        _, new = changed_lines((project / FIX).read_text(encoding="utf-8"))
        for path, lines in new.items():
            traced = run([sys.executable, "-c", TRACE_CHECKS, path, json.dumps(sorted(lines))],
                         project)
            reached = json.loads(traced.stdout) if traced.returncode == 0 else []
            if len(reached) < 2:
                verdicts.append(f"{len(reached)} held-out checks run the fixed line, expected 2")
    return verdicts


def judge_trap(project: Path, test_file: str) -> list[str]:
    """A trap's wrong edit must pass the visible tests and fail two held-out checks."""
    if not (project / TRAP).is_file():
        return [f"a trap needs {TRAP}"]
    subprocess.run(["git", "apply", TRAP], cwd=project, check=True)
    visible = run(pytest_command(test_file), project)
    held = run(heldout_command(), project)
    subprocess.run(["git", "apply", "-R", TRAP], cwd=project, check=True)
    verdicts = []
    if visible.returncode != 0:
        verdicts.append(f"the trap fails visible tests: {last_line(visible.stdout)}")
    if failed_count(held.stdout) < 2:
        verdicts.append(f"the trap fails {failed_count(held.stdout)} held-out checks, "
                        f"expected 2")
    return verdicts


def check_corpus(names: Sequence[str]) -> int:
    """Check every bug: its tests fail as shipped and pass, held-out too, with ``fix.diff``."""
    problems = 0
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"check-{name}-") as scratch:
            project = Path(scratch) / name
            shutil.copytree(BUGS / name, project)
            verdicts = judge_bug(name, project)
        problems += bool(verdicts)
        print(f"{'ok' if not verdicts else 'BAD':<4}{name:<22}{bug_kind(name):<16}"
              f"{'; '.join(verdicts)}", flush=True)
    print(f"{len(names) - problems} of {len(names)} bugs are sound")
    return 1 if problems else 0
