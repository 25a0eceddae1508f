"""A failed test as a :class:`~pytest_selfheal.models.Failure` record."""

from __future__ import annotations

import inspect
from types import TracebackType

import pytest

from pytest_selfheal.models import Failure, Frame


def failure_record(
    item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException], report: pytest.TestReport
) -> Failure:
    frames = []
    tb: TracebackType | None = excinfo.tb
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(Frame(path=code.co_filename, lineno=tb.tb_lineno, qualname=code.co_qualname))
        tb = tb.tb_next
    return Failure(
        nodeid=item.nodeid,
        when=report.when,
        exception_type=excinfo.typename,
        message=str(excinfo.value)[:2000],
        longrepr=report.longreprtext[-4000:],
        frames=tuple(frames),
        test_source=source_of_test(item),
    )


def timed_out(failure: Failure) -> bool:
    """Whether pytest-timeout cut the test off: it loops or waits forever, and running it
    again costs its whole timeout again."""
    return failure.exception_type == "Failed" and failure.message.startswith(
        ("Timeout (>", "Timeout >"))


def timeout_of(failure: Failure) -> float | None:
    """The seconds in pytest-timeout's ``Timeout (>5.0s) from pytest-timeout``."""
    number = failure.message.removeprefix("Timeout (>").removeprefix("Timeout >")
    number = number.split("s", 1)[0]
    try:
        return float(number)
    except ValueError:
        return None


def source_of_test(item: pytest.Item) -> str:
    """The test function's source, shown to the model; ``""`` when it has none."""
    function = getattr(item, "function", None)
    try:
        return inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        return ""
