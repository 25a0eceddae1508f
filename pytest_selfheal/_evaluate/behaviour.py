"""Recording what one function does while tests run, and calling it on new inputs.

Runs in a forked child, after the candidate (or the original code, swapped in unchanged)
took the function's place. A trace hook that only follows frames of that function's own
code (nested comprehensions and lambdas included) notes, per test, the lines it ran and
each call's arguments and result as text; every other frame runs untraced. The argument
values of calls made from outside the function (by the tests, not by its own recursion)
that can be written as Python literals are kept as *seeds*, from which the parent makes
new inputs (:mod:`~pytest_selfheal._evaluate.inputs`). After the tests, the function is
called on those inputs, each call stopped after :data:`CALL_LIMIT_S`.

Everything crosses to the parent as text: ``repr`` with memory addresses taken out, so
that two runs of the same code give the same text.
"""

from __future__ import annotations

import ast
import re
import signal
import sys
import time
import types
from collections.abc import Callable
from typing import Any

from pytest_selfheal._evaluate.inputs import annotated_types, generate, is_literal

#: Calls recorded per test at most, and followed at all: enough to compare behaviour,
#: bounded in cost.
MAX_CALLS = 200
#: Characters of a value's text kept; longer texts are cut (and still compared).
MAX_TEXT = 300
#: Seconds one call on a generated input may take before it is stopped.
CALL_LIMIT_S = 0.25
#: Seconds all the calls on generated inputs may take together.
EXPLORE_S = 3.0
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

Emit = Callable[[dict[str, Any]], None]


def shown(value: object) -> str:
    """The text a value is compared by: its ``repr`` without addresses, cut short."""
    try:
        text = _ADDRESS.sub("", repr(value))
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def _codes(code: types.CodeType) -> set[types.CodeType]:
    found = {code}
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            found |= _codes(constant)
    return found


class _Stopped(BaseException):
    """A call on a generated input ran out of time."""


class BehaviourRecorder:
    """Follows ``function`` through the tests of one child run.

    :param emit: where the ``behaviour`` event of each test goes.
    """

    def __init__(self, function: types.FunctionType, emit: Emit) -> None:
        self.function = function
        self.emit = emit
        self.main = function.__code__
        self.codes = _codes(function.__code__)
        self.seeds: dict[str, None] = {}
        self._calls: list[list[str]] = []
        self._lines: set[int] = set()
        self._open: list[list[str]] = []
        self._raised: dict[int, str] = {}
        self._following = False

    # -- following the tests ---------------------------------------------------------

    def start(self) -> None:
        self._following = True
        sys.settrace(self._global)

    def stop(self) -> None:
        self._following = False
        sys.settrace(None)

    def take(self, nodeid: str) -> None:
        """A test ended: send what the function did in it, and start afresh."""
        if self._calls or self._lines:
            self.emit({"event": "behaviour", "nodeid": nodeid, "calls": self._calls,
                       "lines": sorted(self._lines)})
        self._calls, self._lines, self._open = [], set(), []
        self._raised.clear()
        if self._following and sys.gettrace() is None:
            sys.settrace(self._global)  # the test before it recorded all it may

    def _global(self, frame: types.FrameType, event: str, arg: object) -> Any:
        if len(self._calls) >= MAX_CALLS:
            # Past the calls a test may record, its later calls are not followed: a
            # test that calls the function a hundred thousand times would otherwise
            # spend minutes writing and parsing the text of every argument. Once no
            # recorded call is still open, the rest of the test runs untraced: every
            # call of every function came through here until the test ended, and
            # pyparsing's call-heavy tests paid for it with nothing recorded.
            if not self._open:
                sys.settrace(None)
            return None
        if frame.f_code not in self.codes:
            return None
        if frame.f_code is self.main and event == "call":
            self._enter(frame)
        return self._local

    def _enter(self, frame: types.FrameType) -> None:
        code = frame.f_code
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)  # *args, **kwargs
        values = frame.f_locals
        arguments = tuple(values.get(name) for name in code.co_varnames[:count])
        text = shown(arguments)
        recursive = frame.f_back is not None and frame.f_back.f_code is code
        if not recursive and code.co_argcount == count and is_literal(text):
            self.seeds[text] = None
        call = [text, ""]
        self._calls.append(call)
        self._open.append(call)

    def _local(self, frame: types.FrameType, event: str, arg: object) -> Any:
        if event == "line":
            self._lines.add(frame.f_lineno)
            self._raised.pop(id(frame), None)  # an exception handled inside goes on
        elif frame.f_code is self.main:
            if event == "exception" and isinstance(arg, tuple):
                self._raised[id(frame)] = f"raises {arg[0].__name__}"
            elif event == "return" and self._open:
                call = self._open.pop()
                raised = self._raised.pop(id(frame), None)
                call[1] = raised or shown(arg)
        return self._local

    def finish(self) -> None:
        """The tests are over: send the seeds."""
        self.emit({"event": "seeds", "seeds": list(self.seeds)})

    def watching(self, emit: Emit) -> Emit:
        """``emit`` that also tells the recorder where each test ends."""
        def relay(event: dict[str, Any]) -> None:
            emit(event)
            if event.get("event") == "report" and event.get("when") == "teardown":
                self.take(event["nodeid"])
        return relay

    # -- new inputs ------------------------------------------------------------------

    def explore(self) -> None:
        """Call the function on inputs made from the seeds and send what it gave for
        each; a call that runs too long is stopped and said to, and exploring as a whole
        stops after :data:`EXPLORE_S`."""
        def expire(signum: int, frame: object) -> None:
            raise _Stopped

        inputs = generate(list(self.seeds), annotated_types(self.function))
        previous = signal.signal(signal.SIGALRM, expire)
        ends = time.perf_counter() + EXPLORE_S
        try:
            for text in inputs:
                if time.perf_counter() > ends:
                    break
                try:
                    arguments = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    continue
                self.emit({"event": "output", "input": text, "output": self._call(arguments)})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _call(self, arguments: tuple[Any, ...]) -> str:
        signal.setitimer(signal.ITIMER_REAL, CALL_LIMIT_S)
        try:
            return shown(self.function(*arguments))
        except _Stopped:
            return f"does not return within {CALL_LIMIT_S:g}s"
        except Exception as exc:
            return f"raises {type(exc).__name__}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
