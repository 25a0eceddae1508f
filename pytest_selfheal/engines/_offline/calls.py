"""Expression operators around calls, attributes and tuples.

These repair the slips a comparison or arithmetic swap cannot reach: the wrong one of
a pair of builtins (``min``/``max``, ``any``/``all``), the wrong method of a family
(``append``/``extend``, ``isalpha``/``isalnum``), the wrong attribute of an object
(``self.rows`` for ``self.cols``), arguments or tuple items in the wrong order, and a
call too many or too few (``sorted(out)`` for ``out``, ``p - q`` for ``abs(p - q)``).

Each is registered in :data:`~pytest_selfheal.engines._offline.operators.OPERATORS`, after
the operators of that module, and only ever changes the function's body.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_selfheal.engines._offline.nodes import shifted
from pytest_selfheal.engines._offline.operators import Edit, Unit, register

# Builtins that are one word apart from their twin: swapping one for the other is the
# whole fix when the wrong one was typed.
_TWIN_CALLS = {"min": "max", "max": "min", "any": "all", "all": "any"}

# Methods whose names belong to a family with the same call shape; a call of one may
# have meant another. Only families where every member takes the same arguments.
_METHOD_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("append", "extend"),
    ("isalpha", "isalnum", "isdigit", "isspace", "isupper", "islower"),
    ("lower", "upper"),
    ("strip", "lstrip", "rstrip"),
    ("startswith", "endswith"),
    ("find", "rfind", "index"),
    ("pop", "popleft"),
    ("appendleft", "append"),
    ("keys", "values", "items"),
    ("add", "discard", "remove"),
    ("split", "rsplit"),
    ("sort", "reverse"),
)

# What a value may have meant to pass through: `abs` for a distance, `sorted` for an
# order, `len` for a count. Only wrapped around expressions where the type fits.
_NUMERIC_WRAPPERS = ("abs",)
_ITERABLE_WRAPPERS = ("sorted", "reversed")

# Calls whose single argument can stand for their result when the call is the slip.
# Not `len` or `sum`: a count stands where a sequence cannot.
_UNWRAPPABLE = frozenset({"sorted", "reversed", "list", "tuple", "set", "abs", "int",
                          "float", "str", "max", "min", "bool", "iter"})


@register("call-swap")
def call_swap(unit: Unit) -> Iterator[Edit]:
    """``min`` <-> ``max``, ``any`` <-> ``all``."""
    for node in unit.nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            twin = _TWIN_CALLS.get(node.func.id)
            if twin is not None:
                yield Edit(node.func, ast.Name(id=twin, ctx=ast.Load()))


@register("method-swap")
def method_swap(unit: Unit) -> Iterator[Edit]:
    """Call another method of the same family: ``append`` <-> ``extend``,
    ``isalpha`` <-> ``isalnum`` <-> ``isdigit``, ``lower`` <-> ``upper``..."""
    for node in unit.nodes:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        others: list[str] = []
        for family in _METHOD_FAMILIES:
            if name in family:
                others.extend(other for other in family if other != name and other not in others)
        for other in others:
            yield Edit(node.func, ast.Attribute(value=node.func.value, attr=other,
                                                ctx=ast.Load()))


@register("attribute-swap")
def attribute_swap(unit: Unit) -> Iterator[Edit]:
    """Read another attribute of the same object: ``self.rows`` -> ``self.cols``.

    The other attributes are those the same function, or its class when it is a
    method, reads or writes on a name of the same spelling (``self``, ``node``...);
    method calls are left to ``method-swap``.
    """
    called = {id(node.func) for node in unit.nodes if isinstance(node, ast.Call)}
    known = _attributes_by_owner(unit.scope_nodes, called)
    for node in unit.nodes:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Name)
            and id(node) not in called
        ):
            for other in known.get(node.value.id, ()):
                if other != node.attr:
                    yield Edit(node, ast.Attribute(value=node.value, attr=other,
                                                   ctx=ast.Load()))


def _attributes_by_owner(nodes: Iterator[ast.AST] | tuple[ast.AST, ...],
                         called: set[int]) -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for node in nodes:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if id(node) in called:
                continue
            names = owners.setdefault(node.value.id, [])
            if node.attr not in names:
                names.append(node.attr)
    return owners


@register("argument-swap")
def argument_swap(unit: Unit) -> Iterator[Edit]:
    """Swap two neighbouring positional arguments of a call: ``f(a, b)`` -> ``f(b, a)``."""
    for node in unit.nodes:
        if not isinstance(node, ast.Call):
            continue
        for swapped in _neighbours_swapped(node.args):
            yield Edit(node, ast.Call(func=node.func, args=swapped, keywords=node.keywords))


@register("tuple-swap")
def tuple_swap(unit: Unit) -> Iterator[Edit]:
    """Swap two neighbouring items of a tuple: ``a, b = b + a, a`` -> ``a, b = a, b + a``,
    ``push((node, cost))`` -> ``push((cost, node))``. Never an assignment target."""
    for node in unit.nodes:
        if not isinstance(node, ast.Tuple) or not isinstance(node.ctx, ast.Load):
            continue
        for swapped in _neighbours_swapped(node.elts):
            yield Edit(node, ast.Tuple(elts=swapped, ctx=ast.Load()))


def _neighbours_swapped(items: list[ast.expr]) -> Iterator[list[ast.expr]]:
    """``items`` with two neighbours swapped, for each pair that differs and is not
    ``*unpacked``."""
    for index in range(len(items) - 1):
        first, second = items[index], items[index + 1]
        if isinstance(first, ast.Starred) or isinstance(second, ast.Starred):
            continue
        if ast.dump(first) == ast.dump(second):
            continue
        yield [*items[:index], second, first, *items[index + 2:]]


@register("unwrap-call")
def unwrap_call(unit: Unit) -> Iterator[Edit]:
    """``sorted(x)`` -> ``x``: drop a builtin call of one argument that should not be there."""
    for node in unit.nodes:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _UNWRAPPABLE
            and len(node.args) == 1
            and not node.keywords
            and not isinstance(node.args[0], ast.Starred)
        ):
            yield Edit(node, node.args[0])


@register("wrap-call")
def wrap_call(unit: Unit) -> Iterator[Edit]:
    """Wrap a call that is missing: ``abs()`` around a difference, ``sorted()`` or
    ``reversed()`` around what a ``for`` loop iterates over.

    Type-aware the cheap way: ``abs`` only around a subtraction (a distance),
    ``sorted`` only around an iterable a loop consumes.
    """
    for node in unit.nodes:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            for wrapper in _NUMERIC_WRAPPERS:
                yield Edit(node, _call(wrapper, node))
        elif isinstance(node, ast.For | ast.comprehension):
            iterable = node.iter
            if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and (
                iterable.func.id in (*_ITERABLE_WRAPPERS, "range", "enumerate", "zip")
            ):
                continue
            for wrapper in _ITERABLE_WRAPPERS:
                yield Edit(iterable, _call(wrapper, iterable))


def _call(name: str, argument: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[argument], keywords=[])


@register("count-shift")
def count_shift(unit: Unit) -> Iterator[Edit]:
    """``len(words)`` -> ``len(words) - 1`` (and ``+ 1``): a count one off, like the
    separators between words. Apart from ``off-by-one``, whose index and bound shifts
    are the likelier slip."""
    for node in unit.nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
            node.func.id == "len"
        ):
            yield Edit(node, shifted(node, -1))
            yield Edit(node, shifted(node, 1))
