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
