from __future__ import annotations

import builtins
import functools
import importlib
import sys
from pathlib import Path

import pytest

from pytest_selfheal._evaluate.reach import HOOK, EntryRecorder
from pytest_selfheal._evaluate.spec import ReachSpec
from pytest_selfheal._source.reload import swap
from pytest_selfheal.errors import ReloadError

# pyparsing 3.1 ships this: the standard library's class when there is one, its own
# fallback, never defined on Python 3.8+, otherwise. Both have a ``cached_property.__get__``.
FALLBACK = '''\
try:
    from functools import cached_property
except ImportError:
    class cached_property:
        def __init__(self, func):
            self._func = func

        def __get__(self, instance, owner=None):
            ret = instance.__dict__[self._func.__name__] = self._func(instance)
            return ret


class Box:
    @cached_property
    def size(self):
        return 3


def area():
    return Box().size ** 2
'''


@pytest.fixture
def fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "fallback_module.py"
    path.write_text(FALLBACK)
    monkeypatch.syspath_prepend(str(tmp_path))
    stdlib_get = functools.cached_property.__get__.__code__
    yield importlib.import_module("fallback_module")
    # Put the standard library's code back even when a failure left it swapped.
    functools.cached_property.__get__.__code__ = stdlib_get
    sys.modules.pop("fallback_module", None)


class Other:
    @functools.cached_property
    def name(self) -> str:
        return "other"


def test_measuring_reach_leaves_a_stdlib_class_of_the_same_name_alone(fallback):
    # Every cached_property of the process, the test session's included, went through
    # the fallback's __get__ once the measurement swapped it in for the standard one.
    recorder = EntryRecorder(ReachSpec({fallback.__file__: FALLBACK},
                                       {fallback.__file__: "fallback_module.py"}))
    try:
        assert fallback.area() == 9
        assert Other().name == "other"
        assert recorder.take() == ["fallback_module.py::Box.size", "fallback_module.py::area"]
    finally:
        delattr(builtins, HOOK)


def test_a_fix_of_a_fallback_never_defined_is_not_swapped_into_the_stdlib(fallback):
    fixed = FALLBACK.replace("return ret", "return ret  # fixed")

    with pytest.raises(ReloadError):
        swap(fallback.__file__, "cached_property.__get__", fixed)

    assert Other().name == "other"
