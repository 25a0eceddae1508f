"""The project's memoized functions, whose caches hold what the code computed before.

A function under ``functools.cache`` or ``lru_cache`` answers a call it has seen from
its cache. After a fix is swapped in, it (and any memoized function that called it)
would go on answering with what the old code computed; a fork of the session inherits
those caches, so a candidate would be judged on the bug's results, and a run measuring
which lines a test executes would not see the body of a function whose result was
cached (pyparsing's ``lineno`` is such a function). So a forked child that measures
empties every cache of the project, one that judges a candidate those of the module
the candidate changes, and the session all of them after a fix is reloaded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping

#: Directories under a project root that hold installed code, not the project's.
_INSTALLED = frozenset({"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox"})


#: Module file (its real path) to the ``cache_clear`` of its memoized functions.
Memos = Mapping[str, tuple[Callable[[], None], ...]]


def project_memos(root: str) -> Memos:
    """The ``cache_clear`` of every memoized function defined at the top of a module, or
    in one of its classes, loaded from the project at ``root``, by module file."""
    base = os.path.realpath(root) + os.sep
    found: dict[str, tuple[Callable[[], None], ...]] = {}
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not isinstance(filename, str):
            continue
        real = os.path.realpath(filename)
        if not real.startswith(base) or _INSTALLED.intersection(real[len(base):].split(os.sep)):
            continue
        clears = {id(value): clear for value in _definitions(module.__name__, vars(module))
                  if callable(clear := getattr(value, "cache_clear", None))
                  and hasattr(value, "__wrapped__")}
        if clears:
            found[real] = tuple(clears.values())
    return found


def _definitions(name: str, namespace: dict[str, object]) -> Iterator[object]:
    """What the module ``name`` defines itself (not what it imported), and the attributes
    of its classes."""
    for value in list(namespace.values()):
        if getattr(value, "__module__", None) != name:
            continue
        yield value
        if isinstance(value, type):
            for attribute in list(vars(value).values()):
                yield getattr(attribute, "__func__", attribute)  # staticmethod, classmethod


def clear_memos(memos: Memos, path: str | None = None) -> None:
    """Empty the caches of the module at ``path``, or of every module when ``None``.

    A candidate changes one module: its own memoized functions (the changed one among
    them) and those of that module that call it are what hold the old code's results.
    Other modules' caches may hold costly results that a candidate's every run would
    otherwise compute again.
    """
    wanted = memos if path is None else {path: memos.get(os.path.realpath(path), ())}
    for clears in wanted.values():
        for clear in clears:
            clear()
