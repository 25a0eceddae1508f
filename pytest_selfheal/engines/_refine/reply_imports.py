"""The imports of a model's answer merged into a module's, and the text helpers merging
needs."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from pytest_selfheal._source.patches import parse_module
from pytest_selfheal.errors import ReplyError, SourceError


def newline_of(source: str) -> str:
    return "\r\n" if source.endswith("\r\n") else "\n"


def parsed(source: str, path: str) -> ast.Module:
    try:
        return parse_module(source, path)
    except SourceError as exc:
        raise ReplyError(f"the code does not fit into {path}: {exc}") from exc


def bound_names(node: ast.Import | ast.ImportFrom) -> set[str]:
    return {alias.asname or alias.name.split(".")[0] for alias in node.names
            if alias.name != "*"}


def _import_key(node: ast.stmt) -> set[tuple[str, str]]:
    """What an import binds: ``(name, what)`` pairs, so that ``import os`` and
    ``import os, sys`` are known to bind the same ``os``."""
    if isinstance(node, ast.Import):
        return {(alias.asname or alias.name.split(".")[0],
                 alias.name if alias.asname else alias.name.split(".")[0])
                for alias in node.names}
    if isinstance(node, ast.ImportFrom):
        return {(alias.asname or alias.name, f"{'.' * node.level}{node.module}.{alias.name}")
                for alias in node.names}
    return set()


def merge_imports(source: str, path: str,
                   imports: Sequence[tuple[str, ast.Import | ast.ImportFrom]]
                   ) -> tuple[str, list[str]]:
    """``source`` with the imports it lacks added after its last top-level import."""
    tree = parsed(source, path)
    have: set[tuple[str, str]] = set()
    last = None
    docstring_end = 0
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            have |= _import_key(node)
            last = node
        elif index == 0 and isinstance(node, ast.Expr) and isinstance(
                node.value, ast.Constant) and isinstance(node.value.value, str):
            docstring_end = node.end_lineno or node.lineno
    missing: list[str] = []
    for text, node in imports:
        key = _import_key(node)
        if key and key <= have:
            continue
        have |= key
        missing.append(text.strip())
    if not missing:
        return source, []
    lines = source.splitlines(keepends=True)
    newline = newline_of(source)
    future = [line for line in missing if line.startswith("from __future__")]
    others = [line for line in missing if line not in future]
    added = [line + newline for line in [*future, *others]]
    if last is not None and not future:
        at = last.end_lineno or last.lineno
        return "".join([*lines[:at], *added, *lines[at:]]), missing
    at = docstring_end
    gap = [newline] if at else []
    rest = lines[at:]
    tail = [newline] if rest and rest[0].strip() else []
    if rest and rest[0].startswith(("def ", "async def ", "class ", "@")):
        tail = [newline, newline]  # two blank lines before a definition, as PEP 8 has it
    if future and last is not None:
        # ``from __future__`` must come first: everything goes above the old imports.
        tail = []
    return "".join([*lines[:at], *gap, *added, *tail, *rest]), missing
