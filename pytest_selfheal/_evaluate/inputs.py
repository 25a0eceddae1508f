"""New inputs for a function, made from the arguments its tests called it with.

Two fixes that both pass every test may still compute different functions; an input on
which they disagree shows it, and a test asserting the right output there decides
between them. The inputs are small changes of the argument values the tests used (the
*seeds*, texts of tuples of Python literals): one argument at a time is nudged (an
integer by one, a list without its first item, reversed, sorted, a string emptied or
shortened), taken from another seed, or, for lists and integers, drawn at random from
the values seen in that place. The parameters' annotations, when they name a builtin
type, keep values of other types out. Deterministic: the same seeds give the same
inputs, so every candidate is called on the same ones. Smaller inputs come first, so
the input shown to the user is a small one. (Hypothesis would search further; this
needs nothing beyond the standard library.)
"""

from __future__ import annotations

import ast
import contextlib
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

#: Inputs made at most per function.
MAX_INPUTS = 150
#: Random draws per argument that is a list or an integer.
RANDOM_DRAWS = 12
_TYPES: Mapping[str, type | tuple[type, ...]] = {
    "int": int, "float": (int, float), "str": str, "bool": bool, "list": list,
    "tuple": tuple, "dict": dict, "set": (set, frozenset), "bytes": bytes,
}


def annotated_types(function: Callable[..., object]) -> list[type | tuple[type, ...] | None]:
    """The builtin type each positional parameter of ``function`` is annotated with
    (``int``, ``list[int]``, or their text under postponed evaluation), ``None`` where
    there is none or it is not a plain builtin."""
    code = getattr(function, "__code__", None)
    if code is None:
        return []
    annotations = getattr(function, "__annotations__", {}) or {}
    found: list[type | tuple[type, ...] | None] = []
    for name in code.co_varnames[:code.co_argcount]:
        annotation = annotations.get(name)
        base = getattr(annotation, "__origin__", annotation)
        text = annotation.split("[", 1)[0].strip() if isinstance(annotation, str) else (
            getattr(base, "__name__", ""))
        found.append(_TYPES.get(text))
    return found


def generate(seeds: Sequence[str], types: Sequence[type | tuple[type, ...] | None] = (),
             limit: int = MAX_INPUTS) -> list[str]:
    """Texts of argument tuples near ``seeds``, none of them a seed, smallest first."""
    parsed = [value for text in seeds if isinstance(value := _parse(text), tuple)]
    known = {repr(value) for value in parsed}
    made: dict[str, None] = {}
    for candidate in _variants(parsed):
        if not _fits(candidate, types):
            continue
        text = repr(candidate)
        if text not in known and _parse(text) == candidate:
            made.setdefault(text, None)
    return sorted(made, key=len)[:limit]


def _parse(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def is_literal(text: str) -> bool:
    """Whether ``text`` is a Python literal (what a test can write down as a value)."""
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _fits(arguments: tuple[Any, ...], types: Sequence[type | tuple[type, ...] | None]) -> bool:
    return all(kind is None or isinstance(value, kind)
               for value, kind in zip(arguments, types, strict=False))


def _variants(seeds: Sequence[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(0)
    for seed in seeds:
        for place, value in enumerate(seed):
            for other in nudged(value):
                yield (*seed[:place], other, *seed[place + 1:])
            # The same place in other seeds: values of the right kind, new combinations.
            for other_seed in seeds:
                if len(other_seed) == len(seed) and other_seed[place] != value:
                    yield (*seed[:place], other_seed[place], *seed[place + 1:])
            pool = [s[place] for s in seeds if len(s) > place]
            for other in _drawn(pool, rng):
                yield (*seed[:place], other, *seed[place + 1:])


def nudged(value: object) -> list[Any]:
    """Small changes of one value, by its type."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value - 1, value + 1, 0, 1, -1, -value, 2 * value, value // 2]
    if isinstance(value, float):
        return [value - 1, value + 1, 0.0, -value, value / 2, 2 * value]
    if isinstance(value, str):
        return ["", value[1:], value[:-1], value[::-1], value + value[:1], value.upper(),
                value.swapcase(), " " + value, value + " "]
    if isinstance(value, list | tuple):
        kind = type(value)
        items = list(value)
        variants = [[], items[1:], items[:-1], items[::-1], items + items[:1],
                    items[:1] + items, items[:1]]
        with contextlib.suppress(TypeError):
            variants.append(sorted(items))
        for index in {0, len(items) // 2, len(items) - 1} if items else ():
            variants.extend([*items[:index], other, *items[index + 1:]]
                            for other in nudged(items[index])[:3])
        return [kind(variant) for variant in variants]
    if isinstance(value, dict):
        keys = list(value)
        maps: list[Any] = [{}]
        if keys:
            maps.append({k: v for k, v in value.items() if k != keys[0]})
            maps.extend({**value, keys[0]: other} for other in nudged(value[keys[0]])[:3])
        return maps
    if isinstance(value, set | frozenset):
        return [type(value)(), type(value)(list(value)[1:])]
    return []


def _drawn(pool: Sequence[Any], rng: random.Random) -> list[Any]:
    """Random values like those seen in one place: integers between the smallest and
    the largest seen, lists of seen items."""
    ints = [v for v in pool if isinstance(v, int) and not isinstance(v, bool)]
    lists = [v for v in pool if isinstance(v, list)]
    drawn: list[Any] = []
    if ints:
        low, high = min(ints) - 2, max(ints) + 2
        drawn += [rng.randint(low, high) for _ in range(RANDOM_DRAWS)]
    items = [item for value in lists for item in value]
    if items:
        longest = max(len(value) for value in lists) + 2
        drawn += [[rng.choice(items) for _ in range(rng.randint(0, longest))]
                  for _ in range(RANDOM_DRAWS)]
    return drawn
