"""Methods of a class that a factory function makes are units of their own: a traceback
through one names the method, and a fix swaps the method of the live class."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from pytest_selfheal._heal.localize import localize
from pytest_selfheal._source.patches import find_unit, parse_module
from pytest_selfheal._source.reload import swap, undo
from pytest_selfheal.models import Failure, Frame

FACTORY = '''\
def make_checker(limit):
    class Checker:
        def too_long(self, text):
            return len(text) >= limit

    return Checker


Checker = make_checker(3)
'''


def test_a_frame_in_a_factory_class_method_names_the_method(tmp_path: Path):
    frames = (Frame(str(tmp_path / "checks.py"), 4, "make_checker.<locals>.Checker.too_long"),)
    failure = Failure("tests/test_checks.py::test_three", "call", "AssertionError", "", "",
                      frames)

    (suspect,) = localize(failure, tmp_path, (), lambda path: FACTORY, None)

    assert suspect.function.qualname == "make_checker.<locals>.Checker.too_long"
    assert (suspect.function.lineno, suspect.function.end_lineno) == (3, 4)
    assert find_unit(parse_module(FACTORY, "checks.py"), suspect.function.qualname).name == (
        "too_long")


@pytest.fixture
def checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "factory_checks.py").write_text(FACTORY)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("factory_checks")
    yield module
    sys.modules.pop("factory_checks", None)


def test_the_live_class_a_factory_made_runs_the_fixed_method(checks):
    checker = checks.Checker()
    assert checker.too_long("abc") is True
    fixed = FACTORY.replace("len(text) >= limit", "len(text) > limit")

    record = swap(checks.__file__, "make_checker.<locals>.Checker.too_long", fixed)

    assert checker.too_long("abc") is False
    undo(record)
    assert checker.too_long("abc") is True


def test_entering_a_factory_class_method_is_recorded(checks):
    # Which tests reach a suspect decides which tests judge its candidates: a method of a
    # class made at import time must note its entry like any other function.
    import builtins

    from pytest_selfheal._evaluate.reach import HOOK, EntryRecorder
    from pytest_selfheal._evaluate.spec import ReachSpec

    checker = checks.Checker()
    recorder = EntryRecorder(ReachSpec({checks.__file__: FACTORY},
                                       {checks.__file__: "checks.py"}))
    try:
        assert recorder.problems == []
        checker.too_long("ab")
        assert recorder.take() == ["checks.py::make_checker.<locals>.Checker.too_long"]
    finally:
        delattr(builtins, HOOK)
