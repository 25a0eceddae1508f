"""Chat messages of the evolution: seeding, mutation, crossover, optimisation.

Pure functions, as :mod:`pytest_selfheal.engines._refine.prompts` (whose pieces they reuse), so an
identical question is an identical request for the cache and for replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pytest_selfheal.engines._evolve.strategies import Strategy
from pytest_selfheal.engines._refine.prompts import (
    TRACEBACK_CHARS,
    describe_failure,
    describe_suspect,
    missing_goal,
)
from pytest_selfheal.engines.base import RepairTask

#: Characters of a parent's code quoted in a mutation or crossover request.
PARENT_CHARS: Final = 3000


def _goal(task: RepairTask) -> str:
    target = task.suspects[0].function
    if task.missing is not None:
        return missing_goal(task.failure, task.missing, task.sources[task.missing.path])
    if task.goal == "optimize":
        return (f"Make `{target.qualname}` faster. Every test that uses it passes now and "
                "must still pass, and it must return equal values for every input (it is "
                "checked against the original on the tests' inputs). Prefer a better "
                "algorithm or data structure over micro-optimisations.")
    return describe_failure(task.failure)


def _code(task: RepairTask) -> str:
    if task.missing is not None:
        return ""  # the module is shown with the goal
    parts = [describe_suspect(s, task.sources[s.function.path],
                              task.line_scores.get(str(s.function), {}))
             for s in task.suspects[:3]]
    return "Code:\n\n" + "\n\n".join(parts)


def _answer(task: RepairTask) -> str:
    if task.missing is not None:
        names = "`, `".join([task.missing.qualname.rsplit(".", 1)[-1], *task.missing.also])
        return (f"Reply with the whole new `{names}` in one ```python block, with the "
                "imports and helpers it needs.")
    return (f"Reply with the whole new `{task.suspects[0].function.qualname}` (keep its name "
            "and signature) in one ```python block.")


def _joined(parts: Sequence[str]) -> str:
    return "\n\n".join(part for part in parts if part)


def seed_messages(task: RepairTask, strategy: Strategy) -> list[dict[str, str]]:
    """The first generation's request, in the words of ``strategy``."""
    return [{"role": "system", "content": strategy.system},
            {"role": "user", "content": _joined([_goal(task), _code(task), _answer(task)])}]


def mutation_messages(task: RepairTask, strategy: Strategy, code: str, outcome: str,
                      passed: bool) -> list[dict[str, str]]:
    """Ask for a variation of one parent: fix what fails, or, when it passes, make it faster."""
    if passed:
        how = ("This version passes every selected test. Write a variant that is faster "
               "(or, when it cannot be faster, simpler and with a smaller change), still "
               "correct for every input.")
    else:
        how = ("This version does not pass yet:\n" + outcome[-TRACEBACK_CHARS:].rstrip()
               + "\nFix what it gets wrong and keep what it gets right.")
    parent = f"A candidate version:\n```python\n{code[:PARENT_CHARS].rstrip()}\n```\n{how}"
    return [{"role": "system", "content": strategy.system},
            {"role": "user", "content": _joined([_goal(task), _code(task), parent, _answer(task)])}]


def crossover_messages(task: RepairTask, strategy: Strategy,
                       parents: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Ask for one version combining what each parent gets right.

    :param parents: each parent's code and what it gets right and wrong, in words.
    """
    quoted = [f"Version {index}:\n```python\n{code[:PARENT_CHARS].rstrip()}\n```\n{record}"
              for index, (code, record) in enumerate(parents, start=1)]
    ask = ("Combine them: one version that keeps what each gets right and avoids what each "
           "gets wrong.")
    return [{"role": "system", "content": strategy.system},
            {"role": "user", "content": _joined([_goal(task), _code(task), *quoted, ask,
                                                _answer(task)])}]
