"""Screening of model-written code: what it may use, not what it may not.

A model's reply is hostile until proven otherwise, and a list of forbidden calls is
passed by spelling them another way (``sys.modules["socket"]``, ``vars(os)["_exit"]``,
``"PYTEST" + "_CURRENT_TEST"``). So every statement a reply adds or changes, at module
level as well as in the function, is held to an allowlist:

- imports only of standard-library modules the original module already imports or
  :data:`SAFE_MODULES` lists, and of the project's own packages;
- no name that reaches the interpreter's machinery (:data:`FORBIDDEN_NAMES`: ``globals``,
  ``vars``, ``__builtins__``, ``getattr`` with a computed name...), no attribute of it
  (:data:`FORBIDDEN_ATTRIBUTES`: ``modules``, frames, ``__subclasses__``...), and no
  dunder attribute beyond :data:`SAFE_DUNDERS`;
- no text naming the test harness, even when assembled from pieces.

Offline mutants only recombine what the code already has; they keep the screening of
:mod:`~pytest_selfheal._evaluate.screen`, which this one includes.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator

#: Standard-library modules any fix may import: computation, no I/O, no introspection.
SAFE_MODULES = frozenset({
    "abc", "array", "bisect", "calendar", "cmath", "collections", "copy", "dataclasses",
    "datetime", "decimal", "enum", "fractions", "functools", "heapq", "itertools", "json",
    "math", "numbers", "operator", "random", "re", "statistics", "string", "textwrap",
    "typing", "unicodedata", "zoneinfo",
})
#: Modules no model code may touch, even where the original module imports them.
FORBIDDEN_MODULES = frozenset({"ctypes", "gc", "importlib", "inspect", "builtins", "sys",
                               "_thread", "threading", "multiprocessing", "subprocess",
                               "socket", "marshal", "pickle", "types", "code", "codeop"})
#: Forbidden modules whose names are not also everyday variable names.
_MODULE_NAMES = FORBIDDEN_MODULES - {"types", "code", "codeop", "builtins"}
FORBIDDEN_NAMES = frozenset({"globals", "locals", "vars", "__builtins__", "__import__",
                             "eval", "exec", "compile", "breakpoint", "setattr", "delattr",
                             "__loader__", "__spec__"})
FORBIDDEN_ATTRIBUTES = frozenset({
    "modules", "sys", "builtins", "_getframe", "settrace", "setprofile", "f_back",
    "f_locals", "f_globals", "f_code", "f_builtins", "tb_frame", "gi_frame", "gi_code",
    "cr_frame", "cr_code", "ag_frame",
})
SAFE_DUNDERS = frozenset({"__init__", "__name__", "__qualname__", "__doc__", "__class__",
                          "__len__", "__iter__", "__next__", "__enter__", "__exit__",
                          "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
                          "__hash__", "__repr__", "__str__", "__contains__",
                          "__getitem__", "__setitem__", "__post_init__", "__slots__"})
#: What model-written code may use of ``os``: paths and facts, no files, processes
#: or descriptors (``os.open``, ``os.fdopen``, ``os.write``, ``os.system``...).
OS_ATTRIBUTES = frozenset({"path", "sep", "linesep", "pathsep", "curdir", "pardir",
                           "extsep", "getcwd", "fspath", "fsencode", "fsdecode", "getenv",
                           "environ", "cpu_count", "name", "stat", "listdir", "scandir",
                           "walk"})
#: Names of ``os`` that getattr must not reach even with a literal name.
_OS_ONLY = frozenset({"open", "fdopen", "write", "system", "popen", "fork", "kill",
                      "_exit", "remove", "unlink", "rmdir", "rename", "replace", "execv",
                      "execve", "spawnv", "truncate", "chmod", "chown", "dup2", "setns"})
#: Text that means looking for the test harness, lower-cased.
HARNESS_MARKERS = ("pytest", "conftest", "selfheal", "test_")


def _folded(node: ast.expr) -> str | None:
    """The text of a string expression built only from literals (``"a" + "b"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _folded(node.left), _folded(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_folded(value) if not isinstance(value, ast.FormattedValue) else None
                 for value in node.values]
        return None if None in parts else "".join(p for p in parts if p is not None)
    return None


def _imported(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.ImportFrom):
        if node.level == 0 and node.module:
            yield node.module.split(".")[0]
        return
    for alias in node.names:
        yield alias.name.split(".")[0]


def module_imports(tree: ast.Module) -> set[str]:
    """Top-level names of the modules ``tree`` imports anywhere."""
    return {name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
            for name in _imported(node)}


def violations(code: ast.AST, allowed_modules: Collection[str]) -> Iterator[str]:
    """Why ``code`` (statements a model wrote) may not run, one reason per finding."""
    docstrings = _docstrings(code)
    for node in ast.walk(code):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for module in _imported(node):
                if module in FORBIDDEN_MODULES or module not in allowed_modules:
                    yield f"imports {module}, which model-written code may not use"
        elif isinstance(node, ast.Name):
            dunder = node.id.startswith("__") and node.id not in SAFE_DUNDERS
            if node.id in FORBIDDEN_NAMES or node.id in _MODULE_NAMES or dunder:
                yield f"uses {node.id}, which reaches the interpreter's machinery"
        elif isinstance(node, ast.Attribute):
            dunder = node.attr.startswith("__") and node.attr.endswith("__")
            if node.attr in FORBIDDEN_ATTRIBUTES or (dunder and node.attr not in SAFE_DUNDERS):
                yield f"reads .{node.attr}, which reaches the interpreter's machinery"
            elif (isinstance(node.value, ast.Name) and node.value.id == "os"
                  and node.attr not in OS_ATTRIBUTES):
                yield f"uses os.{node.attr}: model-written code may only compute"
        elif isinstance(node, ast.Call) and _is_dynamic_getattr(node):
            yield "looks up an attribute by a computed or private name"
        elif isinstance(node, ast.Constant | ast.BinOp | ast.JoinedStr) \
                and id(node) not in docstrings:
            text = (_folded(node) or "").lower()
            marker = next((m for m in HARNESS_MARKERS if m in text), None)
            if marker is not None:
                yield f"mentions {marker!r}, which looks for the tests"


def _is_dynamic_getattr(call: ast.Call) -> bool:
    if not (isinstance(call.func, ast.Name) and call.func.id in ("getattr", "hasattr")):
        return False
    name = call.args[1] if len(call.args) > 1 else None
    # Only a plain literal: "wri" + "te" is how a forbidden name is hidden.
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return True
    return (name.value.startswith("_") or name.value in FORBIDDEN_ATTRIBUTES
            or name.value in _OS_ONLY)


def _docstrings(code: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(code)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def changed_statements(original: ast.Module, candidate: ast.Module) -> list[ast.stmt]:
    """The top-level statements of ``candidate`` that ``original`` does not have as they
    are: everything a reply added or changed, the rewritten function included."""
    before = {ast.dump(node) for node in original.body}
    return [node for node in candidate.body if ast.dump(node) not in before]


def screen_model_code(original: ast.Module, candidate: ast.Module,
                      project_modules: Collection[str]) -> str:
    """``""`` when the model-written part of ``candidate`` may run, else why not."""
    allowed = (module_imports(original) | SAFE_MODULES | set(project_modules)) \
        - FORBIDDEN_MODULES
    for statement in changed_statements(original, candidate):
        for reason in violations(statement, allowed):
            return f"rejected by screening: {reason} (model-written code is held to an " \
                   "allowlist)"
    return ""
