"""Hot reload: swap a fixed function's code into the running interpreter, in place.

Replacing ``function.__code__`` keeps the function object, so every existing reference
sees the fix at once: the module attribute, ``from module import func`` copies in other
modules, bound methods, decorators that closed over the function, entries in
registries. Re-importing the module would instead create new objects and leave all of
those pointing at the old code.
"""

from __future__ import annotations
import __future__

import ast
import functools
import gc
import inspect
import linecache
import operator
import os
import re
import sys
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pytest_selfheal._source.module_changes import module_changes
from pytest_selfheal.errors import ReloadError


@dataclass(frozen=True)
class SwapRecord:
    """What a swap changed, so that :func:`undo` can put it back."""

    functions: tuple[tuple[types.FunctionType, types.CodeType], ...]
    module: str


def find_module(path: str) -> types.ModuleType | None:
    """Return the loaded module whose file is ``path``, or ``None``."""
    return find_modules([path]).get(path)


def find_modules(paths: Iterable[str]) -> dict[str, types.ModuleType]:
    """The loaded modules whose files are ``paths``, by path, in one look at every
    module: resolving the file of each of a large project's thousand modules takes
    milliseconds, once per path asked for with :func:`find_module`."""
    wanted = {os.path.realpath(path): path for path in paths}
    found: dict[str, types.ModuleType] = {}
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if isinstance(filename, str) and (path := wanted.get(os.path.realpath(filename))):
            found.setdefault(path, module)
    return found


def code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from code_objects(constant)


def compile_unit(source: str, path: str, qualname: str) -> types.CodeType:
    """Compile the whole new module text and return the code of unit ``qualname``.

    Compiling the whole module, not the function alone, gives the code the same
    enclosing scopes as the original (``__class__`` for ``super()``, class-private
    name mangling) and line numbers that match the new file.
    """
    return _unit(_compiled(source, path), path, qualname)


def _compiled(source: str, path: str) -> types.CodeType:
    try:
        return compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise ReloadError(f"the fixed {path} does not compile: {exc}") from exc


#: The compiler flags of ``from __future__`` imports, which a unit compiled alone keeps.
_FUTURE_FLAGS = functools.reduce(operator.or_, (
    getattr(__future__, name).compiler_flag for name in __future__.all_feature_names))
#: A name the compiler mangles inside a class body (``__x``, not ``__x__``).
_PRIVATE_NAME = re.compile(r"\b__\w*[^\W_]_?\b(?<!__)")


def _unit_alone(unit: tuple[str, int], old_code: types.CodeType) -> types.CodeType | None:
    """The code of a function compiled from its own text, at its own line numbers;
    ``None`` when that would not be the code compiling the whole module gives: a method
    using private names (mangled by its class), or one that needs a cell of its class
    (``super()``), or text that does not compile alone."""
    text, first = unit
    indented = text[:1] in (" ", "\t")
    if indented and _PRIVATE_NAME.search(text):
        return None
    # Under `if 1:` an indented method compiles as it is; blank lines in front put it
    # at its own line numbers.
    head = "\n" * (first - 2) + "if 1:\n" if indented else "\n" * (first - 1)
    try:
        module_code = compile(head + text, old_code.co_filename, "exec", dont_inherit=True,
                              flags=old_code.co_flags & _FUTURE_FLAGS)
    except (SyntaxError, ValueError):
        return None
    found = [code for code in module_code.co_consts if isinstance(code, types.CodeType)
             and code.co_name == old_code.co_name]
    # A unit defined once per branch of an `if` may have had its other definition's
    # text found: it starts elsewhere.
    if (len(found) != 1 or found[0].co_freevars != old_code.co_freevars
            or found[0].co_firstlineno != old_code.co_firstlineno):
        return None
    return found[0].replace(co_qualname=old_code.co_qualname)


def _unit(module_code: types.CodeType, path: str, qualname: str) -> types.CodeType:
    for code in code_objects(module_code):
        if code.co_qualname == qualname:
            return code
    raise ReloadError(f"{qualname} is not defined in the fixed {path}")


def referrers(*objects: object) -> list[object]:
    """``gc.get_referrers``, also over objects that ``gc.freeze`` set aside.

    A fork of the session freezes what it inherited (so that its collector never
    touches, and so copies, those pages), and frozen objects are invisible to
    ``gc.get_referrers``: they are thawed for the walk and frozen again after it.
    """
    frozen = gc.get_freeze_count() > 0
    if frozen:
        gc.unfreeze()
    try:
        return gc.get_referrers(*objects)
    finally:
        if frozen:
            gc.freeze()


def _functions_using(code: types.CodeType) -> list[types.FunctionType]:
    return [ref for ref in referrers(code) if isinstance(ref, types.FunctionType)]


def factory_code(module: types.ModuleType, qualname: str) -> types.CodeType | None:
    """The live code of ``qualname``, a method of a class a factory function makes
    (``make.<locals>.Checker.visit``): it is nested in the factory's own code, and the
    functions of every class the factory made run it."""
    factory = resolve_code(module, qualname.split(".<locals>.", 1)[0])
    if factory is None:
        return None
    return next((code for code in code_objects(factory) if code.co_qualname == qualname), None)


def resolve_code(module: types.ModuleType, qualname: str) -> types.CodeType | None:
    """The code of ``qualname`` as the module's attributes lead to it; ``None`` when they
    lead to a function written in another file, though its qualname is the same: a name
    imported from the standard library in place of the module's own fallback
    (``try: from functools import cached_property`` before a class of the same name)."""
    target: object = module
    for part in qualname.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    if isinstance(target, staticmethod | classmethod):
        target = target.__func__
    elif isinstance(target, property):
        target = target.fget
    elif isinstance(target, functools.cached_property):
        target = target.func
    while True:
        code = getattr(target, "__code__", None)
        if isinstance(code, types.CodeType) and code.co_qualname == qualname:
            return code if _written_in(code, module) else None
        wrapped = getattr(target, "__wrapped__", None)
        if wrapped is None:
            return None
        target = wrapped


def _written_in(code: types.CodeType, module: types.ModuleType) -> bool:
    filename = getattr(module, "__file__", None)
    return (not isinstance(filename, str) or code.co_filename == filename
            or os.path.realpath(code.co_filename) == os.path.realpath(filename))


@dataclass(frozen=True)
class SwapTarget:
    """A function found in the running process: its code and the live objects using it."""

    module: str
    old_code: types.CodeType
    functions: tuple[types.FunctionType, ...]

    @property
    def current(self) -> bool:
        """Whether every function found still runs the code it was found with."""
        return all(function.__code__ is self.old_code for function in self.functions)


def locate(path: str, qualname: str) -> SwapTarget:
    """Find the live function ``qualname`` of the module loaded from ``path``.

    Finding it walks every module and every object on the heap, so the fork path
    locates a function once in the session and lets each forked child inherit it.

    :raises ReloadError: when the module is not loaded or the function cannot be found.
    """
    module = find_module(path)
    if module is None:
        raise ReloadError(f"{path} is not imported in this process")
    old_code = resolve_code(module, qualname)
    if old_code is None:
        # Not reachable by attribute (a property setter, a registry-only function):
        # fall back to the module's own code objects.
        spec_code = getattr(getattr(module, "__loader__", None), "get_code", None)
        candidates = []
        nested = factory_code(module, qualname) if "<locals>" in qualname else None
        if nested is not None:
            candidates = [nested]
        elif callable(spec_code):
            candidates = [code for code in code_objects(spec_code(module.__name__))
                          if code.co_qualname == qualname]
        old_code = next((code for code in candidates if _functions_using(code)), None)
    if old_code is None:
        raise ReloadError(f"cannot find the function {qualname} in module {module.__name__}")
    functions = _functions_using(old_code)
    if not functions:
        raise ReloadError(f"no live function object uses the code of {qualname}")
    return SwapTarget(module=module.__name__, old_code=old_code, functions=tuple(functions))


def swap(path: str, qualname: str, source: str, target: SwapTarget | None = None,
         unit: tuple[str, int] | None = None) -> SwapRecord:
    """Make the running process use the ``qualname`` of ``source`` (the fixed module text).

    :param target: the function as :func:`locate` found it, if that is already known.
    :param unit: the function's text in ``source`` and its first line, when nothing
        else changed (:func:`~pytest_selfheal._source.patches.unit_text`): only that
        text is compiled, when it can stand alone.
    :raises ReloadError: when the module is not loaded, the function cannot be found,
        or the new code needs a different closure than the old one.
    """
    if target is None:
        module = find_module(path)
        if module is not None and _is_absent(module, qualname):
            return define(module, qualname, source)  # new code a test asked for
        target = locate(path, qualname)
    old_code = target.old_code
    new_code = None if unit is None else _unit_alone(unit, old_code)
    module_code = None
    if new_code is None:
        module_code = _compiled(source, old_code.co_filename)
        new_code = _unit(module_code, old_code.co_filename, qualname)
    if new_code.co_freevars != old_code.co_freevars:
        raise ReloadError(
            f"{qualname} closes over {new_code.co_freevars} after the fix but over "
            f"{old_code.co_freevars} before: it cannot be swapped in place"
        )
    for function in target.functions:
        function.__code__ = new_code
    module = sys.modules.get(target.module)
    if (module is not None and module_code is not None
            and _may_add_functions(module, module_code)):
        _define_new_helpers(module, source)
    # Tracebacks from now on must show the fixed lines, not the file on disk.
    lines = source.splitlines(keepends=True)
    linecache.cache[old_code.co_filename] = (len(source), None, lines, old_code.co_filename)
    return SwapRecord(functions=tuple((function, old_code) for function in target.functions),
                      module=target.module)


def _is_absent(module: types.ModuleType, qualname: str) -> bool:
    """Whether ``qualname`` is a name the module (or its class) does not have at all."""
    *owners, name = qualname.split(".")
    target: object = module
    for part in owners:
        target = getattr(target, part, None)
        if not isinstance(target, type):
            return False
    return not hasattr(target, name)


def define(module: types.ModuleType, qualname: str, source: str) -> SwapRecord:
    """Add the new function or method ``qualname`` of ``source`` to the loaded ``module``.

    Used for code written because a test needed it: there is no old code to swap, so
    the new function is made in the module's namespace (its globals are the module's)
    and set on the module or its class.
    """
    filename = getattr(module, "__file__", None) or module.__name__
    *owners, name = qualname.split(".")
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError) as exc:
        raise ReloadError(f"the new {filename} does not compile: {exc}") from exc
    body: list[ast.stmt] = tree.body
    for owner in owners:
        found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if found is None:
            raise ReloadError(f"no class {owner} in the new {filename}")
        body = found.body
    node = next((n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                 and n.name == name), None)
    if node is None:
        raise ReloadError(f"cannot find the function {qualname} in module {module.__name__} "
                          "nor in its new source")
    namespace: dict[str, object] = {}
    # Line numbers stay those of the new file, so tracebacks point at the right lines.
    exec(compile(ast.Module(body=[node], type_ignores=[]), filename, "exec"),
         module.__dict__, namespace)
    function = namespace[name]
    target: object = module
    for owner in owners:
        target = getattr(target, owner)
    if isinstance(function, types.FunctionType):
        function.__qualname__ = qualname
    setattr(target, name, function)
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    return SwapRecord(functions=(), module=module.__name__)


def _may_add_functions(module: types.ModuleType, module_code: types.CodeType) -> bool:
    """Whether the new module text may define a module-level function that ``module``
    lacks: only then is it worth parsing, which costs a fork more than the swap itself.

    Every function the module's own code makes is among its constants; a name it
    already has cannot be a new helper.
    """
    return any(isinstance(code, types.CodeType) and code.co_flags & inspect.CO_NEWLOCALS
               and not hasattr(module, code.co_name) for code in module_code.co_consts)


def _define_new_helpers(module: types.ModuleType, source: str) -> None:
    """Define the module-level functions that ``source`` adds (helpers of a fix)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return
    for node in tree.body:
        if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and not hasattr(module, node.name)):
            define(module, node.name, source)


def swap_changes(path: str, old: str, new: str) -> list[SwapRecord]:
    """Make the running process use everything ``new`` changes in the module at ``path``.

    New imports, constants and classes run in the module's namespace first (the code
    that uses them comes after), then new functions are defined and every changed
    function or method has its code swapped. A module the fix created (``old`` is
    empty) is not loaded yet: whoever imports it next gets it from disk.

    :raises ReloadError: when the module is not loaded, a statement fails, or a
        function cannot be swapped.
    """
    module = find_module(path)
    if module is None:
        if not old:
            return []
        raise ReloadError(f"{path} is not imported in this process")
    try:
        changes = module_changes(old, new)
        tree = ast.parse(new, path)
    except (SyntaxError, ValueError) as exc:
        raise ReloadError(f"the fixed {path} does not compile: {exc}") from exc
    filename = getattr(module, "__file__", None) or path
    old_statements = {ast.dump(node) for node in ast.parse(old).body}
    for node in tree.body:
        if ast.dump(node) in old_statements or isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.ClassDef) and isinstance(getattr(module, node.name, None), type):
            continue  # an existing class: its changed methods are swapped below
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), filename, "exec"),
                 module.__dict__)
        except Exception as exc:  # module-level code of the fix: anything may go wrong
            raise ReloadError(f"line {node.lineno} of the fixed {path} failed: "
                              f"{type(exc).__name__}: {exc}") from exc
    records = [define(module, qualname, new) for qualname in changes.new_units
               if _is_absent(module, qualname)]
    records += [swap(path, qualname, new) for qualname in changes.units]
    return records


def undo(record: SwapRecord) -> None:
    """Put back the code that :func:`swap` replaced."""
    for function, code in record.functions:
        function.__code__ = code
    for _, code in record.functions[:1]:
        linecache.cache.pop(code.co_filename, None)
