"""The project's memoized functions, whose caches hold what the code computed before.

A function under ``functools.cache`` or ``lru_cache`` answers a call it has seen from
its cache. After a fix is swapped in, it (and any memoized function that called it)
would go on answering with what the old code computed; a fork of the session inherits
those caches, so a candidate would be judged on the bug's results, and a run measuring
which lines a test executes would not see the body of a function whose result was
cached (pyparsing's ``lineno`` is such a function). Their caches are emptied wherever
code was changed: in each forked child before its tests run, and in the session after
a fix is reloaded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator

#: Directories under a project root that hold installed code, not the project's.
_INSTALLED = frozenset({"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox"})


def project_memos(root: str) -> tuple[Callable[[], None], ...]:
    """The ``cache_clear`` of every memoized function defined at the top of a module, or
    in one of its classes, loaded from the project at ``root``."""
    base = os.path.realpath(root) + os.sep
    clears: dict[int, Callable[[], None]] = {}
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not isinstance(filename, str):
            continue
        real = os.path.realpath(filename)
        if not real.startswith(base) or _INSTALLED.intersection(real[len(base):].split(os.sep)):
            continue
        for value in _definitions(module.__name__, vars(module)):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and hasattr(value, "__wrapped__"):
                clears[id(value)] = clear
    return tuple(clears.values())


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


def clear_memos(clears: tuple[Callable[[], None], ...]) -> None:
    """Empty every cache of ``clears``."""
    for clear in clears:
        clear()
