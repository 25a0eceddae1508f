"""Checking that a candidate returns what the original code returns, call by call.

An optimisation must not change behaviour, and the covering tests may check less than
the function computes. So while the tests run on a candidate (in a forked child, after
the swap), a profile hook sees every call of the candidate's code, keeps a deep copy of
its arguments, and when the call returns runs the original code on the copy and
compares the two results with ``==``. The first difference is reported as a
``mismatch`` event, which fails the candidate.

Calls whose arguments cannot be copied, or on which the original raises, are not
compared; generators and coroutines are compared as the objects they return, which is
never equal, so optimising them is refused by the caller instead.
"""

from __future__ import annotations

import copy
import inspect
import sys
import types
from typing import Any

#: Characters of a value shown in a mismatch message.
SHOWN = 40


class OutputWatch:
    """Compares each call of ``candidate_code`` with ``original`` on the same arguments.

    :param original: a function running the original code, with the live function's
        globals, defaults and closure.
    """

    def __init__(self, candidate_code: types.CodeType, original: types.FunctionType) -> None:
        self.candidate_code = candidate_code
        self.original = original
        self.calls = 0
        self.mismatch = ""
        self._pending: list[tuple[tuple[Any, ...], dict[str, Any]] | None] = []

    def start(self) -> None:
        """Watch calls from now on (this thread only)."""
        sys.setprofile(self._profile)

    def stop(self) -> None:
        """Stop watching."""
        sys.setprofile(None)

    def _profile(self, frame: types.FrameType, event: str, arg: object) -> None:
        # Calls made from inside a profile function are not profiled themselves, so
        # running the original here does not recurse into this hook.
        if frame.f_code is not self.candidate_code or self.mismatch:
            return
        if event == "call":
            self._pending.append(_arguments(frame))
        elif event == "return" and self._pending:
            arguments = self._pending.pop()
            if arguments is not None:
                self._compare(arguments, arg)

    def _compare(self, arguments: tuple[tuple[Any, ...], dict[str, Any]], got: object) -> None:
        positional, keywords = arguments
        try:
            wanted = self.original(*positional, **keywords)
        except Exception:
            return  # the original fails here too: nothing to compare with
        self.calls += 1
        try:
            equal = bool(wanted == got)
        except Exception:
            equal = False
        if not equal:
            shown = ", ".join([*(_short(a) for a in positional),
                               *(f"{k}={_short(v)}" for k, v in keywords.items())])
            self.mismatch = (f"the candidate returned {_short(got)} where the original "
                             f"{self.original.__qualname__} returned {_short(wanted)} "
                             f"for ({shown[:400]})")


def original_function(live: types.FunctionType, code: types.CodeType) -> types.FunctionType:
    """A new function running ``code`` with everything else of ``live``."""
    function = types.FunctionType(code, live.__globals__, live.__name__, live.__defaults__,
                                  live.__closure__)
    function.__kwdefaults__ = live.__kwdefaults__
    function.__qualname__ = live.__qualname__
    return function


def is_plain_function(code: types.CodeType) -> bool:
    """Whether calls of ``code`` return their result (not a generator or coroutine)."""
    flags = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
    return not code.co_flags & flags


def _arguments(frame: types.FrameType) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """A deep copy of the arguments a call started with, or ``None`` if they cannot be."""
    code = frame.f_code
    names = code.co_varnames
    values = frame.f_locals
    count = code.co_argcount
    positional = [values[name] for name in names[:count]]
    keywords = {name: values[name] for name in names[count:count + code.co_kwonlyargcount]}
    index = count + code.co_kwonlyargcount
    if code.co_flags & inspect.CO_VARARGS:
        positional.extend(values[names[index]])
        index += 1
    if code.co_flags & inspect.CO_VARKEYWORDS:
        keywords.update(values[names[index]])
    try:
        return copy.deepcopy((tuple(positional), keywords))
    except Exception:
        return None


def _short(value: object) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."

