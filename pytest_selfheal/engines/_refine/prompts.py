"""Chat messages for the LLM engines: pure functions of the failure and the code.

Nothing here does I/O or keeps state, so a prompt is a deterministic function of its
inputs: identical failures give identical requests, which is what makes the response
cache and ``--selfheal-provider replay`` work.

The answer asked for is always the whole replacement function in one fenced
```` ```python ```` block; :mod:`~pytest_selfheal.engines._refine.replies` also accepts other
formats, but asking for one keeps the models that follow instructions on the easy path.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pytest_selfheal.models import Failure, FunctionRef, MissingCode, Suspect

#: Characters of a traceback or failure report kept in a prompt (the tail matters most).
TRACEBACK_CHARS: Final = 3000
#: Characters of a reply quoted back to the model in the history.
QUOTED_REPLY_CHARS: Final = 1500
#: Earlier attempts quoted in full; older ones are summarised in one line each.
HISTORY_IN_FULL: Final = 3

SYSTEM: Final = (
    "You are an expert Python engineer fixing a bug that a failing test revealed. "
    "Change only the code under repair, never the tests, and keep every function's name "
    "and signature. Do not special-case the test's inputs, read test files, inspect the "
    "caller or check for pytest: the fix must be correct for every input. "
    "Answer with the whole replacement function in one ```python fenced block (with the "
    "imports and helpers it needs; several functions when the fix spans them), then at "
    "most two sentences on the cause."
)

SYSTEM_IMPLEMENT: Final = (
    "You are an expert Python engineer doing test-driven development: a test calls code "
    "that does not exist yet, or that raises NotImplementedError. Write it so that the "
    "test passes and it is correct for every input, not only the test's. Never change "
    "the tests. Answer with the whole new function or method in one ```python fenced "
    "block, then at most two sentences."
)


@dataclass(frozen=True)
class Attempt:
    """One earlier answer of the model and what became of it.

    :param code: the code the answer proposed (or the reply itself when it had none).
    :param outcome: why it was not good enough: the failure report of the test that
        failed with it, or the reason the reply was rejected before any test ran.
    :param rejected: the reply could not be turned into a candidate at all.
    """

    code: str
    outcome: str
    rejected: bool = False


def numbered(source: str, first: int, last: int) -> str:
    """Lines ``first`` to ``last`` (1-based, inclusive) of ``source``, each numbered."""
    lines = source.splitlines()
    width = len(str(last))
    return "\n".join(f"{number:>{width}} | {lines[number - 1]}"
                     for number in range(first, min(last, len(lines)) + 1))


def called_signatures(source: str, function: FunctionRef) -> list[str]:
    """Signatures of the module's functions that ``function`` calls by name.

    The model sees what the suspect relies on without the whole module.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    definitions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    target: ast.AST | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            definitions.setdefault(node.name, node)
            if node.lineno == function.lineno:
                target = node
    if target is None:
        return []
    called: list[str] = []
    for node in ast.walk(target):
        if isinstance(node, ast.Call):
            name = (node.func.id if isinstance(node.func, ast.Name)
                    else node.func.attr if isinstance(node.func, ast.Attribute) else None)
            if (name and name in definitions and name not in called
                    and definitions[name] is not target):
                called.append(name)
    return [f"def {name}({ast.unparse(definitions[name].args)})" for name in called]


def describe_failure(failure: Failure) -> str:
    """The failure as the model should see it: test, exception, report, test source."""
    parts = [f"Failing test: {failure.nodeid}",
             f"Exception: {failure.exception_type}: {failure.message[:500]}"]
    if failure.longrepr:
        parts.append("Failure report (end of it):\n" + failure.longrepr[-TRACEBACK_CHARS:])
    if failure.test_source:
        parts.append(f"The test:\n```python\n{failure.test_source.rstrip()}\n```")
    return "\n\n".join(parts)


def describe_suspect(suspect: Suspect, source: str, line_scores: Mapping[int, float]) -> str:
    """A suspect function with numbered lines, its localization score and hot lines."""
    function = suspect.function
    hot = sorted(line_scores.items(), key=lambda item: -item[1])[:3]
    hints = ", ".join(f"line {line} ({score:.2f})" for line, score in hot if score > 0)
    header = (f"`{function.qualname}` in {function.path}, lines {function.lineno}-"
              f"{function.end_lineno} (suspiciousness {suspect.score:.2f}, found by "
              f"{suspect.evidence}{'; most suspicious ' + hints if hints else ''})")
    body = numbered(source, function.lineno, function.end_lineno)
    calls = called_signatures(source, function)
    text = f"{header}:\n```\n{body}\n```"
    if calls:
        text += "\nIt calls:\n" + "\n".join(calls)
    return text


def describe_history(history: Sequence[Attempt]) -> str:
    """Earlier attempts, the last few in full, and how each one failed."""
    if not history:
        return ""
    parts = ["Earlier attempts did not work:"]
    cut = max(0, len(history) - HISTORY_IN_FULL)
    for index, attempt in enumerate(history, start=1):
        verdict = "was rejected" if attempt.rejected else "failed"
        if index <= cut:
            first = (attempt.outcome.splitlines() or [""])[0][:200]
            parts.append(f"Attempt {index} {verdict}: {first}")
            continue
        parts.append(
            f"Attempt {index}:\n```python\n{attempt.code[:QUOTED_REPLY_CHARS].rstrip()}\n```\n"
            f"It {verdict}:\n{attempt.outcome[-TRACEBACK_CHARS:].rstrip()}"
        )
    parts.append("Do not repeat them; find what they got wrong.")
    return "\n\n".join(parts)


def repair_messages(
    failure: Failure,
    suspects: Sequence[Suspect],
    sources: Mapping[str, str],
    line_scores: Mapping[str, Mapping[int, float]],
    history: Sequence[Attempt] = (),
) -> list[dict[str, str]]:
    """The messages asking for a fix of ``failure`` in the most suspect function.

    :param sources: project-relative path to the module text of each suspect.
    :param line_scores: ``str(function)`` to line to suspiciousness.
    :param history: earlier attempts for this failure, oldest first.
    """
    target = suspects[0].function
    parts = [describe_failure(failure), "Code under suspicion, most suspicious first:"]
    parts += [describe_suspect(s, sources[s.function.path], line_scores.get(str(s.function), {}))
              for s in suspects[:3]]
    if history:
        parts.append(describe_history(history))
    parts.append(f"Reply with the whole fixed `{target.qualname}` (keep its name and "
                 "signature) in one ```python block.")
    # A stub that raises NotImplementedError is code to write from its test, not a bug.
    system = SYSTEM_IMPLEMENT if failure.exception_type == "NotImplementedError" else SYSTEM
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]


def missing_goal(failure: Failure, missing: MissingCode, module_source: str) -> str:
    """The failure, what must be written where, and the module it goes in."""
    where = (f"a method of class `{missing.qualname.rsplit('.', 1)[0]}`"
             if missing.kind == "method" else f"a module-level {missing.kind}")
    if not module_source.strip():
        module = f"{missing.path}, a new module (it does not exist yet)."
    else:
        module = f"{missing.path}, which is:\n```python\n{module_source.rstrip()}\n```"
    others = ", ".join(f"`{name}`" for name in missing.also)
    needed = f" (and {others}, which the test also imports from there)" if others else ""
    return (f"{describe_failure(failure)}\n\n`{missing.qualname}` must be written{needed}: "
            f"{where} in {module}")


def implement_messages(
    failure: Failure,
    missing: MissingCode,
    module_source: str,
    history: Sequence[Attempt] = (),
) -> list[dict[str, str]]:
    """The messages asking for ``missing`` to be written from its failing test."""
    parts = [missing_goal(failure, missing, module_source)]
    if history:
        parts.append(describe_history(history))
    name = "`, `".join([missing.qualname.rsplit(".", 1)[-1], *missing.also])
    placement = (" (indented as at module level; it is put in the class for you)"
                 if missing.kind == "method" else "")
    parts.append(f"Reply with the whole new `{name}` in one ```python block{placement}, "
                 "with the imports and helpers it needs.")
    return [{"role": "system", "content": SYSTEM_IMPLEMENT},
            {"role": "user", "content": "\n\n".join(parts)}]
