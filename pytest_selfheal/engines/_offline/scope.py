"""Which variables a name could be swapped for: a cheap, approximate scope analysis.

The name-swap operator replaces a read of a parameter or local variable with another
one of the same function. A swap is only worth trying when the other variable surely
holds a value at that point, so "bound" is approximated cheaply: parameters always,
other locals from the line after their first binding, loop and ``with ... as`` targets
inside their block, comprehension targets inside their comprehension. Modules,
globals and builtins are never swap partners, and ``self``/``cls`` never move.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

# Swapping the receiver of a method is never a plausible repair.
FIXED_NAMES = frozenset({"self", "cls"})

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


@dataclass(frozen=True)
class _Variable:
    """A variable visible at some point of a function.

    :param line: the first line that binds it; ``0`` when it is bound on entry to the
        block being visited (parameters, loop targets inside their loop).
    :param is_callable: bound by ``def``, ``class`` or ``name = lambda ...``.
    """

    line: int
    is_callable: bool


_Environment = dict[str, _Variable]


def swap_candidates(unit: FunctionNode) -> dict[int, tuple[str, ...]]:
    """Map each read of a variable in ``unit``'s body to the variables it could become.

    :param unit: the function whose body is analysed (its signature is not).
    :returns: ``id()`` of an :class:`ast.Name` load to the candidate names, in order of
        first binding (parameters first); reads with no candidate are left out.
    """
    called = {
        id(node.func)
        for node in ast.walk(unit)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    finder = _SwapFinder(called)
    finder.visit_function(unit, {})
    return finder.candidates


class _SwapFinder:
    """Walks a function body, carrying the variables visible at each point."""

    def __init__(self, called: set[int]) -> None:
        self.called = called
        self.candidates: dict[int, tuple[str, ...]] = {}

    def visit_function(self, function: FunctionNode | ast.Lambda, outer: _Environment) -> None:
        parameters = [argument.arg for argument in _arguments(function.args)]
        body: list[ast.stmt] | list[ast.expr]
        if isinstance(function, ast.Lambda):
            local_names: dict[str, _Variable] = {}
            body = [function.body]
        else:
            local_names = _local_bindings(function.body)
            body = function.body
        own = {*parameters, *local_names}
        environment = {name: variable for name, variable in outer.items() if name not in own}
        environment.update((name, _Variable(0, False)) for name in parameters)
        environment.update(
            (name, variable) for name, variable in local_names.items() if name not in parameters
        )
        for node in body:
            self.visit(node, environment)

    def visit(self, node: ast.AST, environment: _Environment) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self._record(node, environment)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            self.visit_function(node, environment)
        elif isinstance(node, ast.ClassDef):
            # A class body is its own scope whose names methods cannot see; the
            # analysis is not worth its corner cases there.
            return
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.visit(node.iter, environment)
            self.visit(node.target, environment)
            self._visit_block(node.body, _bound_now(environment, _stored_names(node.target)))
            self._visit_block(node.orelse, environment)
        elif isinstance(node, ast.With | ast.AsyncWith):
            targets: list[str] = []
            for item in node.items:
                self.visit(item.context_expr, environment)
                if item.optional_vars is not None:
                    self.visit(item.optional_vars, environment)
                    targets.extend(_stored_names(item.optional_vars))
            self._visit_block(node.body, _bound_now(environment, targets))
        elif isinstance(node, ast.ExceptHandler):
            if node.type is not None:
                self.visit(node.type, environment)
            names = [node.name] if node.name else []
            self._visit_block(node.body, _bound_now(environment, names))
        elif isinstance(node, _COMPREHENSIONS):
            self._visit_comprehension(node, environment)
        else:
            for child in ast.iter_child_nodes(node):
                self.visit(child, environment)

    def _visit_block(self, body: list[ast.stmt], environment: _Environment) -> None:
        for statement in body:
            self.visit(statement, environment)

    def _visit_comprehension(
        self,
        node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
        environment: _Environment,
    ) -> None:
        # Targets are only visible inside the comprehension, from their own `for` on;
        # the first iterable is evaluated outside it.
        inner = environment
        for generator in node.generators:
            self.visit(generator.iter, inner)
            inner = _bound_now(inner, _stored_names(generator.target))
            for condition in generator.ifs:
                self.visit(condition, inner)
        results = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for result in results:
            self.visit(result, inner)

    def _record(self, node: ast.Name, environment: _Environment) -> None:
        if node.id not in environment or node.id in FIXED_NAMES:
            return
        # `f(x)` -> `total(x)` only fails with "not callable", and `total` -> `helper`
        # only passes a function where a value belongs: callables (known from `def`,
        # `class` or `= lambda`) are swapped with callables, values with values.
        wants_callable = id(node) in self.called or environment[node.id].is_callable
        names = tuple(
            name
            for name, variable in environment.items()
            if name != node.id
            and name not in FIXED_NAMES
            and variable.line < node.lineno
            and variable.is_callable == wants_callable
        )
        if names:
            self.candidates[id(node)] = names


def _arguments(arguments: ast.arguments) -> list[ast.arg]:
    every = [*arguments.posonlyargs, *arguments.args]
    if arguments.vararg is not None:
        every.append(arguments.vararg)
    every.extend(arguments.kwonlyargs)
    if arguments.kwarg is not None:
        every.append(arguments.kwarg)
    return every


def _bound_now(environment: _Environment, names: list[str]) -> _Environment:
    if not names:
        return environment
    inner = dict(environment)
    for name in names:
        previous = inner.get(name)
        inner[name] = _Variable(0, previous.is_callable if previous else False)
    return inner


def _stored_names(target: ast.AST) -> list[str]:
    return [
        node.id
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    ]


def _local_bindings(body: list[ast.stmt]) -> dict[str, _Variable]:
    """Return the variables a function body binds, each with its first binding line.

    Nested functions, lambdas and classes are not entered (their names are bound,
    their bodies are other scopes); comprehensions only for ``:=`` targets, which bind
    in the enclosing function. Imports and ``global`` names are not variables here.
    """
    first: dict[str, _Variable] = {}
    declared_global: set[str] = set()

    def bind(name: str, line: int, is_callable: bool) -> None:
        if name not in first or line < first[name].line:
            first[name] = _Variable(line, is_callable)

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bind(node.name, node.lineno, True)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, _COMPREHENSIONS):
            for inner in ast.walk(node):
                if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                    bind(inner.target.id, inner.lineno, False)
            return
        if isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.AnnAssign) and node.value is None:
            return  # `x: int` declares, it does not bind
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bind(target.id, node.lineno, True)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bind(node.id, node.lineno, False)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bind(node.name, node.lineno, False)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bind(node.rest, node.lineno, False)
        for child in ast.iter_child_nodes(node):
            walk(child)

    for statement in body:
        walk(statement)
    ordered = sorted(first.items(), key=lambda item: item[1].line)
    return {name: variable for name, variable in ordered if name not in declared_global}


# What a value surely is, by the shape of what made it: enough to keep `max_length`
# (a number) from being swapped for `slug` (text). Numbers are one kind: ints, floats
# and bools mix in arithmetic.
_ANNOTATION_KINDS = {"str": "text", "bytes": "bytes", "int": "number", "float": "number",
                     "bool": "number", "list": "list", "dict": "dict", "set": "set",
                     "tuple": "tuple"}
_CALL_KINDS = {"len": "number", "int": "number", "float": "number", "abs": "number",
               "round": "number", "str": "text", "repr": "text", "list": "list",
               "sorted": "list", "dict": "dict", "set": "set", "tuple": "tuple"}
_METHOD_KINDS = {"strip": "text", "lstrip": "text", "rstrip": "text", "lower": "text",
                 "upper": "text", "decode": "text", "join": "text", "format": "text",
                 "title": "text", "casefold": "text", "encode": "bytes", "split": "list",
                 "splitlines": "list"}


def value_kinds(unit: FunctionNode) -> dict[str, str]:
    """Parameters and locals of ``unit`` whose kind of value is plain from their
    annotation or from every value assigned to them (``text``, ``number``, ``list``...).

    A name missing from the result may hold anything.
    """
    kinds: dict[str, str | None] = {}
    for argument in _arguments(unit.args):
        if argument.annotation is not None:
            head = argument.annotation
            if isinstance(head, ast.Subscript):
                head = head.value
            kinds[argument.arg] = (_ANNOTATION_KINDS.get(head.id)
                                   if isinstance(head, ast.Name) else None)
    assigned = {
        id(node.targets[0]) for node in ast.walk(unit)
        if isinstance(node, ast.Assign) and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    }
    for node in ast.walk(unit):
        if isinstance(node, ast.Assign) and id(node.targets[0]) in assigned:
            assert isinstance(node.targets[0], ast.Name)  # in `assigned`, so a name
            name, kind = node.targets[0].id, _kind_of(node.value)
            if name in kinds and kinds[name] != kind:
                kinds[name] = None
            else:
                kinds.setdefault(name, kind)
        elif (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
              and id(node) not in assigned):
            # Bound some other way (a loop, `+=`, unpacking, `with ... as`): anything.
            kinds[node.id] = None
    return {name: kind for name, kind in kinds.items() if kind is not None}


def _kind_of(value: ast.expr) -> str | None:
    if isinstance(value, ast.Constant):
        if isinstance(value.value, str):
            return "text"
        if isinstance(value.value, bytes):
            return "bytes"
        if isinstance(value.value, bool | int | float):
            return "number"
        return None
    if isinstance(value, ast.JoinedStr):
        return "text"
    if isinstance(value, ast.List | ast.ListComp):
        return "list"
    if isinstance(value, ast.Dict | ast.DictComp):
        return "dict"
    if isinstance(value, ast.Set | ast.SetComp):
        return "set"
    if isinstance(value, ast.Call):
        if isinstance(value.func, ast.Name):
            return _CALL_KINDS.get(value.func.id)
        if isinstance(value.func, ast.Attribute):
            return _METHOD_KINDS.get(value.func.attr)
    return None
