"""Recognising a test that fails because the code it uses does not exist yet.

Test-driven development, made automatic: a test written before its code fails with
``AttributeError: module 'stats' has no attribute 'median'``, ``'Cart' object has no
attribute 'discount'``, ``ImportError: cannot import name 'median' from 'stats'`` or
``NameError: name 'median' is not defined``. This module reads such a failure and says
what must be written where, as a :class:`~pytest_selfheal.models.MissingCode`; the LLM
engines write it. (A function that exists but raises ``NotImplementedError`` needs no
help here: it is in the traceback, and localization finds it.)
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from pytest_selfheal.errors import SourceError
from pytest_selfheal.models import Failure, MissingCode

_MODULE_ATTRIBUTE: Final = re.compile(r"module '([\w.]+)' has no attribute '(\w+)'")
_OBJECT_ATTRIBUTE: Final = re.compile(r"'(\w+)' object has no attribute '(\w+)'"
                                      r"|type object '(\w+)' has no attribute '(\w+)'")
_IMPORT_NAME: Final = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")
_NAME: Final = re.compile(r"name '(\w+)' is not defined")
_NO_MODULE: Final = re.compile(r"No module named '([\w.]+)'")


def find_missing(
    failure: Failure,
    modules: Mapping[str, str],
    read_source: Callable[[str], str],
    project_frames: Sequence[str] = (),
) -> MissingCode | None:
    """What ``failure`` says is missing from the project, or ``None``.

    :param modules: dotted name to project-relative path of the project's modules.
    :param read_source: reads a project module's text by its path.
    :param project_frames: project-relative paths of the traceback's frames in project
        (non-test) code, innermost last; a ``NameError`` is fixed in the innermost.
    """
    message = failure.message
    if failure.exception_type in ("AttributeError", "ImportError") and project_frames:
        # Raised inside project code: a typo there (``self.itemz``) is a bug to fix,
        # not a method to invent. Only what the test itself reaches for is missing.
        return None
    if failure.exception_type == "AttributeError":
        match = _MODULE_ATTRIBUTE.search(message)
        if match:
            path = modules.get(match[1])
            return None if path is None else MissingCode(path, match[2], "function")
        match = _OBJECT_ATTRIBUTE.search(message)
        if match:
            return _method(match[1] or match[3], match[2] or match[4], modules, read_source)
    elif failure.exception_type == "ImportError":
        match = _IMPORT_NAME.search(message)
        if match and match[2] in modules:
            return MissingCode(modules[match[2]], match[1], "function")
    elif failure.exception_type == "NameError":
        match = _NAME.search(message)
        if match and project_frames:
            return MissingCode(project_frames[-1], match[1], "function")
    return None


def _method(class_name: str, name: str, modules: Mapping[str, str],
            read_source: Callable[[str], str]) -> MissingCode | None:
    """The method ``name`` of the one project class called ``class_name``."""
    homes = []
    for path in sorted(set(modules.values())):
        try:
            tree = ast.parse(read_source(path))
        except (SyntaxError, ValueError, SourceError):
            continue
        if any(isinstance(node, ast.ClassDef) and node.name == class_name for node in tree.body):
            homes.append(path)
    if len(homes) != 1:
        return None  # not project code, or ambiguous: better not to guess
    return MissingCode(homes[0], f"{class_name}.{name}", "method")


def find_missing_import(
    report: str,
    test_source: str,
    modules: Mapping[str, str],
    read_source: Callable[[str], str],
) -> MissingCode | None:
    """What a test module that failed to import needs written, or ``None``.

    ``ImportError: cannot import name 'median' from 'shop.stats'`` names a project
    module that lacks ``median``; ``ModuleNotFoundError: No module named 'shop.stats'``
    a module of a project package that does not exist yet (it is created). What is
    written (function, class or constant) is read from how the test module uses it.

    :param report: the collection error's report text.
    :param test_source: the test module's text.
    :param modules: dotted name to project-relative path of the project's modules.
    :param read_source: reads a project module's text by its path.
    """
    match = _IMPORT_NAME.search(report)
    if match:
        path = modules.get(match[2])
        if path is None:
            return None
        try:
            defined = _top_level_names(read_source(path))
        except SourceError:
            defined = set()
        lacking = [name for name in _names_imported_from(match[2], test_source)
                   if name not in defined and name != match[1]]
        return MissingCode(path, match[1], _kind_of(match[1], test_source), tuple(lacking))
    match = _NO_MODULE.search(report)
    if match is None or "." not in match[1]:
        return None  # a top-level module may be a package that is not installed
    package, _, module = match[1].rpartition(".")
    home = modules.get(package)
    if home is None or not home.endswith("__init__.py"):
        return None  # not below a package of the project
    names = _names_imported_from(match[1], test_source)
    if not names:
        return None
    path = f"{home.rsplit('/', 1)[0]}/{module}.py" if "/" in home else f"{module}.py"
    return MissingCode(path, names[0], _kind_of(names[0], test_source), tuple(names[1:]))


def _top_level_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names = {node.name for node in tree.body
             if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    names |= {child.id for node in tree.body if not isinstance(
        node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for child in ast.walk(node) if isinstance(child, ast.Name)}
    names |= {alias.asname or alias.name for node in tree.body
              if isinstance(node, ast.ImportFrom) for alias in node.names}
    return names


def _names_imported_from(module: str, test_source: str) -> list[str]:
    try:
        tree = ast.parse(test_source)
    except (SyntaxError, ValueError):
        return []
    return [alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == module and not node.level
            for alias in node.names if alias.name != "*"]


def _kind_of(name: str, test_source: str) -> str:
    """``class``, ``function`` or ``constant``: how the test module uses ``name``."""
    try:
        tree = ast.parse(test_source)
    except (SyntaxError, ValueError):
        return "function"
    called = any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id == name for node in ast.walk(tree))
    if called:
        return "class" if name[:1].isupper() and not name.isupper() else "function"
    return "constant" if name.isupper() else "function"
