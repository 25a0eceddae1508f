"""Making passing code faster: ``--selfheal-optimize module:function`` and the
``selfheal_optimize`` marker.

For a function whose tests pass, the tests that cover it are found (per-test coverage
of the tests that reach its module), every one of them must pass on the current code,
and then the evolve engine breeds faster implementations. A candidate counts only if
every covering test still passes, it returns equal values to the original's on every
call those tests make (checked call by call in the forked child), and it is faster than
the original by more than the noise floor, measured side by side in the same run. The
winner is verified in a fresh process and committed with its measured speedup.
"""

from __future__ import annotations

import ast
import time
from dataclasses import replace

from pytest_selfheal._evaluate import Limits, Workload
from pytest_selfheal._heal.healer import Healer
from pytest_selfheal._source.patches import find_unit, function_ref, parse_module
from pytest_selfheal.engines.base import Engine, RepairTask
from pytest_selfheal.errors import SelfHealError, SourceError
from pytest_selfheal.models import Failure, HealOutcome, HealStatus, Suspect


def optimize(healer: Healer, engine: Engine, target: str) -> HealOutcome:
    """Evolve a faster ``target`` (``module:function``); never raises for a failed attempt."""
    started = time.perf_counter()
    # The healer commits and reports in the name of its engine: lend it the evolve one.
    lent, healer.engine = healer.engine, engine
    try:
        outcome = _optimize(healer, target, started)
    except SelfHealError as exc:
        outcome = _outcome(target, HealStatus.ERROR, str(exc), engine.name)
    finally:
        healer.engine = lent
    return replace(outcome, elapsed_s=time.perf_counter() - started,
                   llm_calls=engine.task_calls, goal="optimize")


def _outcome(target: str, status: HealStatus, reason: str, engine: str) -> HealOutcome:
    return HealOutcome(tests=(target,), status=status, reason=reason, engine=engine,
                       goal="optimize")


def _optimize(healer: Healer, target: str, started: float) -> HealOutcome:
    engine = healer.engine.name
    module, _, qualname = target.partition(":")
    relpath = healer.layout.modules.get(module)
    if relpath is None:
        return _outcome(target, HealStatus.SKIPPED,
                        f"module {module} was not imported by the tests of this session",
                        engine)
    source = healer.read_source(relpath)
    try:
        node = find_unit(parse_module(source, relpath), qualname)
    except SourceError as exc:
        return _outcome(target, HealStatus.SKIPPED, str(exc), engine)
    if any(isinstance(inner, ast.Yield | ast.YieldFrom | ast.Await) for inner in ast.walk(node)):
        return _outcome(target, HealStatus.SKIPPED, f"{qualname} is a generator or coroutine: "
                        "its results cannot be compared with the original's", engine)
    function = function_ref(relpath, qualname, node)
    healer.progress(f"optimizing {function}: measuring which tests run it")
    deadline = started + healer.settings.timeout_s
    limits = Limits.within(max(0.0, deadline - time.perf_counter()))
    measured = healer.evaluator.run(healer.reaching([relpath]), limits, reach=[relpath],
                                    spread=True)
    covering = [n for n, entered in measured.reached.items() if str(function) in entered]
    if not covering:
        return _outcome(target, HealStatus.SKIPPED, f"no test runs {qualname}", engine)
    failing = [n for n in covering if measured.outcomes.get(n) != "passed"]
    if failing:
        return _outcome(target, HealStatus.SKIPPED,
                        f"{failing[0]} does not pass: only passing code is optimized", engine)
    fastest_first = sorted(covering, key=lambda n: measured.durations.get(n, 0.0))
    expected = dict.fromkeys(fastest_first, "passed")
    suspect = Suspect(function, 1.0, "optimize")
    record = Failure(nodeid=target, when="call", exception_type="", message="",
                     longrepr="")
    task = RepairTask(failure=record, suspects=(suspect,), sources={relpath: source},
                      tests=tuple(expected), goal="optimize")
    return healer.evolve(record, [suspect], task,
                         Workload(expected, measured.durations, deadline))
