from __future__ import annotations

import importlib
import re
import sys
import traceback
from pathlib import Path

import pytest

from pytest_selfheal._source.patches import unit_text
from pytest_selfheal._source.reload import swap, undo
from pytest_selfheal.errors import ReloadError

ORIGINAL = '''\
import functools


def is_adult(age):
    return age > 18


def logged(function):
    @functools.wraps(function)
    def wrapper(*args):
        return function(*args)
    return wrapper


@logged
def double(x):
    return x + x + 1


class Account:
    def __init__(self, balance):
        self.balance = balance

    def can_withdraw(self, amount):
        return amount < self.balance

    @staticmethod
    def fee(amount):
        return amount // 100 + 1


class Child(Account):
    def can_withdraw(self, amount):
        return super().can_withdraw(amount) and amount > 1


def explode():
    raise ValueError("old line")


class Vault:
    def __init__(self):
        self.__code = 1234

    def opens_with(self, code):
        return code == self.__code + 1
'''


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    name = "reload_target_" + re.sub(r"\W", "_", request.node.name)
    path = tmp_path / f"{name}.py"
    path.write_text(ORIGINAL)
    monkeypatch.syspath_prepend(str(tmp_path))
    imported = importlib.import_module(name)
    yield imported
    sys.modules.pop(name, None)


def test_swap_is_seen_through_references_taken_before_it(module):
    is_adult = module.is_adult  # as `from module import is_adult` would hold it
    assert is_adult(18) is False
    swap(module.__file__, "is_adult", ORIGINAL.replace("age > 18", "age >= 18"))
    assert is_adult(18) is True
    assert module.is_adult is is_adult


def test_swap_reaches_a_decorated_function_through_its_wrapper(module):
    swap(module.__file__, "double", ORIGINAL.replace("x + x + 1", "x + x"))
    assert module.double(4) == 8


def test_swap_of_a_method_keeps_super_working_in_subclasses(module):
    account = module.Child(100)
    assert account.can_withdraw(100) is False
    swap(module.__file__, "Account.can_withdraw",
         ORIGINAL.replace("amount < self.balance", "amount <= self.balance"))
    assert account.can_withdraw(100) is True
    swap(module.__file__, "Child.can_withdraw",
         ORIGINAL.replace("amount > 1", "amount > 50"))
    assert account.can_withdraw(10) is False


def test_swap_of_a_staticmethod(module):
    swap(module.__file__, "Account.fee", ORIGINAL.replace("amount // 100 + 1", "amount // 100"))
    assert module.Account.fee(250) == 2


def test_undo_puts_the_old_code_back(module):
    record = swap(module.__file__, "is_adult", ORIGINAL.replace("age > 18", "age >= 18"))
    undo(record)
    assert module.is_adult(18) is False


def test_tracebacks_after_a_swap_show_the_fixed_source(module):
    swap(module.__file__, "explode", ORIGINAL.replace('"old line"', '"new line"'))
    with pytest.raises(ValueError, match="new line") as excinfo:
        module.explode()
    rendered = "".join(traceback.format_tb(excinfo.tb))
    assert 'raise ValueError("new line")' in rendered


def test_a_fix_that_does_not_compile_is_a_reload_error(module):
    with pytest.raises(ReloadError, match="does not compile"):
        swap(module.__file__, "is_adult", ORIGINAL.replace("age > 18", "age >"))
    assert module.is_adult(19) is True


def test_a_module_that_is_not_loaded_is_a_reload_error(tmp_path: Path):
    with pytest.raises(ReloadError, match="is not imported in this process"):
        swap(str(tmp_path / "nowhere.py"), "f", "def f(): pass\n")


def test_a_missing_function_is_a_reload_error(module):
    with pytest.raises(ReloadError, match="cannot find the function nope"):
        swap(module.__file__, "nope", ORIGINAL)


def test_a_fix_that_changes_the_closure_is_refused(module):
    # Using super() gives a method a __class__ cell that the old function object lacks.
    fixed = ORIGINAL.replace("amount < self.balance",
                             "super().__init__ is not None and amount <= self.balance")
    with pytest.raises(ReloadError, match="closes over"):
        swap(module.__file__, "Account.can_withdraw", fixed)
    assert module.Account(100).can_withdraw(100) is False


def test_a_function_the_module_lacks_is_added_with_the_module_as_its_globals(module):
    new = ORIGINAL + "\n\ndef is_senior(age):\n    return is_adult(age) and age >= 65\n"
    swap(module.__file__, "is_senior", new)
    assert module.is_senior(70) is True
    assert module.is_senior(18) is False


def test_a_method_the_class_lacks_is_added_to_live_instances(module):
    account = module.Account(50)
    new = ORIGINAL.replace(
        "    @staticmethod",
        "    def deposit(self, amount):\n        self.balance += amount\n"
        "        return self.balance\n\n    @staticmethod")
    swap(module.__file__, "Account.deposit", new)
    assert account.deposit(25) == 75
    assert module.Account.deposit.__qualname__ == "Account.deposit"


def test_a_helper_added_by_a_fix_is_defined_along_with_the_swap(module):
    new = ORIGINAL.replace("return age > 18", "return age >= adult_age()") + (
        "\n\ndef adult_age():\n    return 18\n")
    swap(module.__file__, "is_adult", new)
    assert module.is_adult(18) is True


@pytest.mark.parametrize(("qualname", "old", "new", "check"), [
    ("is_adult", "age > 18", "age >= 18", lambda m: m.is_adult(18) is True),
    ("double", "x + x + 1", "x + x", lambda m: m.double(4) == 8),
    ("Account.fee", "amount // 100 + 1", "amount // 100", lambda m: m.Account.fee(250) == 2),
    ("Account.can_withdraw", "amount < self.balance", "amount <= self.balance",
     lambda m: m.Account(100).can_withdraw(100) is True),
    # super() needs its class's cell, and a private name is mangled by its class: both
    # compile with the whole module instead.
    ("Child.can_withdraw", "amount > 1", "amount > 50",
     lambda m: m.Child(100).can_withdraw(10) is False),
    ("Vault.opens_with", "self.__code + 1", "self.__code", lambda m: m.Vault().opens_with(1234)),
])
def test_a_swap_given_the_function_s_text_alone_behaves_as_with_the_whole_module(
        module, qualname, old, new, check):
    fixed = ORIGINAL.replace(old, new)
    unit = unit_text(ORIGINAL, fixed, qualname)
    assert unit is not None
    assert new in unit[0]
    swap(module.__file__, qualname, fixed, unit=unit)
    assert check(module)


def test_tracebacks_after_a_swap_of_the_function_s_text_point_at_its_lines(module):
    fixed = ORIGINAL.replace('raise ValueError("old line")', 'raise ValueError("new line")')
    swap(module.__file__, "explode", fixed, unit=unit_text(ORIGINAL, fixed, "explode"))
    with pytest.raises(ValueError, match="new line") as raised:
        module.explode()
    assert 'raise ValueError("new line")' in str(raised.getrepr())


def test_no_text_alone_when_the_module_changed_outside_the_function():
    fixed = ORIGINAL.replace("age > 18", "age >= 18").replace("import functools", "import os")
    assert unit_text(ORIGINAL, fixed, "is_adult") is None


BACKENDS = '''\
BACKEND = "python"

if BACKEND == "gmpy":
    def trailing(n):
        return n.bit_scan1()
else:
    def trailing(n):
        return (n & -n).bit_length() - 1


def isqrt(x):
    return int(x ** 0.5) + 1
'''


def test_a_function_defined_in_two_branches_is_not_taken_for_a_changed_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # mpmath defines its helpers once per backend: the fix of another function was not
    # reloaded, as the unchanged helper looked changed and its unused branch missing.
    from pytest_selfheal._source.reload import swap_changes

    path = tmp_path / "backends.py"
    path.write_text(BACKENDS)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("backends")
    try:
        fixed = BACKENDS.replace("int(x ** 0.5) + 1", "int(x ** 0.5)")

        records = swap_changes(str(path), BACKENDS, fixed)

        assert module.isqrt(16) == 4
        assert module.trailing(8) == 3
        assert len(records) == 1
    finally:
        sys.modules.pop("backends", None)
