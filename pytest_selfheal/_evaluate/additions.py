"""Screening everything a candidate changes, not only the function it was made for.

A model's answer may bring imports, helpers, constants, classes and rewrites of other
functions, in the target's module or another one. Each of them is held to the same
rule as the target (:func:`~pytest_selfheal._evaluate.screen.screen`): nothing may
reach for what its original did not. New module-level statements are screened as the
body of one new function, so a constant computed by spawning a process is caught like
a call in a function; an import of a module that only exists to reach outside (spawn,
connect, load native code, import dynamically) is refused when the module did not
import it before.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable
from typing import Final

from pytest_selfheal._evaluate.screen import screen
from pytest_selfheal._source.patches import iter_units
from pytest_selfheal.models import Candidate, FunctionRef

#: Modules whose import alone says the code reaches outside the process.
REACHING_MODULES: Final = {
    "subprocess": "spawns processes", "pty": "spawns processes",
    "multiprocessing": "spawns processes", "signal": "handles or sends signals",
    "socket": "opens network connections", "urllib": "opens network connections",
    "http": "opens network connections", "ftplib": "opens network connections",
    "smtplib": "opens network connections", "requests": "opens network connections",
    "httpx": "opens network connections", "ctypes": "loads native code",
    "cffi": "loads native code", "importlib": "imports dynamically",
    "inspect": "inspects stack frames", "gc": "reaches every live object",
}
#: The name of the function module-level additions are screened as.
MODULE_LEVEL: Final = "_selfheal_module_level_"


def screen_all(read_source: Callable[[str], str], candidate: Candidate) -> str:
    """``""`` when everything ``candidate`` changes may run, else why it is rejected.

    :param read_source: the current text of a project file (``""`` for a module the
        candidate creates).
    """
    for path, new in candidate.files.items():
        old = read_source(path)
        reason = screen_module(old, new, path, skip=(
            candidate.function.qualname if path == candidate.function.path else ""))
        if reason:
            return reason
    return ""


def screen_module(old: str, new: str, path: str, skip: str = "") -> str:
    """Why the changes from ``old`` to ``new`` of module ``path`` are refused, or ``""``.

    :param skip: a unit screened elsewhere (the candidate's own function); a target
        that is not a unit (a class, a constant) matches no unit and is screened here.
    """
    try:
        old_tree = ast.parse(old)
        new_tree = ast.parse(new)
    except (SyntaxError, ValueError):
        return ""  # the target's screening and the run report a module that does not parse
    reason = _imports(old_tree, new_tree)
    if reason:
        return reason
    before = {name: ast.dump(node) for name, node in iter_units(old_tree)}
    for name, node in iter_units(new_tree):
        if name == skip or before.get(name) == ast.dump(node):
            continue
        reason = screen(old, Candidate(FunctionRef(path, name, node.lineno,
                                                   node.end_lineno or node.lineno),
                                       new, "screen", f"{name} as changed", node.lineno))
        if reason:
            return reason
    added = _module_level_additions(old_tree, new_tree, new)
    if not added:
        return ""
    wrapped = (f"{new}\n\n\ndef {MODULE_LEVEL}():\n"
               f"{textwrap.indent(added, '    ')}\n    return None\n")
    reason = screen(old, Candidate(FunctionRef(path, MODULE_LEVEL, 0, 0), wrapped, "screen",
                                   "module-level additions", 0))
    return reason.replace(MODULE_LEVEL, "module-level code")


def _module_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    return [(node.module or "").split(".")[0]] if not node.level else []


def _imports(old_tree: ast.Module, new_tree: ast.Module) -> str:
    had = {name for node in ast.walk(old_tree) if isinstance(node, ast.Import | ast.ImportFrom)
           for name in _module_names(node)}
    for node in ast.walk(new_tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for name in _module_names(node):
            if name in REACHING_MODULES and name not in had:
                return (f"rejected by screening: imports {name}, which "
                        f"{REACHING_MODULES[name]} (the original did not)")
    return ""


def _module_level_additions(old_tree: ast.Module, new_tree: ast.Module,
                            new: str) -> str:
    """The new module-level statements that are not functions or classes, as text."""
    old_statements = {ast.dump(node) for node in old_tree.body}
    lines = new.splitlines()
    kept = []
    for node in new_tree.body:
        if ast.dump(node) in old_statements or isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        kept.append(textwrap.dedent("\n".join(lines[node.lineno - 1:node.end_lineno])))
    return "\n".join(kept)
