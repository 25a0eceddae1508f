"""What a new text of a module adds to or rewrites in the old one, statement by statement.

Hot reload runs the new module-level statements in the live module and swaps every
changed function; commit messages list what a fix does besides its own function.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pytest_selfheal._source.patches import iter_units


def class_path(source: str, name: str) -> str | None:
    """The qualified name of the class called ``name`` in ``source`` (nested ones too)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None

    def walk(body: list[ast.stmt], prefix: str) -> str | None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                if node.name == name:
                    return prefix + node.name
                inner = walk(node.body, f"{prefix}{node.name}.")
                if inner is not None:
                    return inner
        return None

    return walk(tree.body, "")


@dataclass(frozen=True)
class ModuleChanges:
    """How a new text of a module differs from the old one, statement by statement.

    :param units: qualified names of the functions and methods whose code changed.
    :param new_units: functions and methods the new text adds.
    :param statements: module-level statements to run in the live module: new or
        changed imports, constants and classes, as source text.
    """

    units: tuple[str, ...]
    new_units: tuple[str, ...]
    statements: tuple[str, ...]
    imports: tuple[str, ...]
    names: tuple[str, ...]


def module_changes(old: str, new: str) -> ModuleChanges:
    """What ``new`` adds to or rewrites in ``old`` (both must parse)."""
    old_tree, new_tree = ast.parse(old), ast.parse(new)
    # A name may be defined more than once (`if BACKEND == "gmpy": def trailing...`
    # `else: def trailing...`): it changed only if one of its definitions did.
    old_units = _definitions(old_tree)
    units: list[str] = []
    new_units: list[str] = []
    for name, dumps in _definitions(new_tree).items():
        if name not in old_units:
            new_units.append(name)
        elif old_units[name] != dumps:
            units.append(name)
    old_statements = {ast.dump(node) for node in old_tree.body}
    statements: list[str] = []
    imports: list[str] = []
    names: list[str] = []
    lines = new.splitlines()
    for node in new_tree.body:
        if ast.dump(node) in old_statements:
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue  # units: swapped or defined one by one
        if isinstance(node, ast.ClassDef) and class_path(old, node.name) is not None:
            continue  # an existing class: its methods are units
        text = "\n".join(lines[node.lineno - 1:node.end_lineno])
        statements.append(text)
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(text.strip())
        elif isinstance(node, ast.ClassDef):
            names.append(node.name)
        elif (assigned := _assigned(node)) is not None:
            names.append(assigned)
    return ModuleChanges(tuple(units), tuple(new_units), tuple(statements), tuple(imports),
                         tuple(names))


def _definitions(tree: ast.Module) -> dict[str, list[str]]:
    """Each unit's qualified name to the dumps of its definitions, in source order."""
    found: dict[str, list[str]] = {}
    for name, node in iter_units(tree):
        found.setdefault(name, []).append(ast.dump(node))
    return found


def _assigned(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
            node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def describe_changes(old: str, new: str, target: str) -> list[str]:
    """One line per addition or rewrite besides ``target`` itself, for a commit message."""
    try:
        changes = module_changes(old, new)
    except (SyntaxError, ValueError):
        return []
    lines = [f"adds {line}" for line in changes.imports]
    lines += [f"adds {name}" for name in changes.names]
    lines += [f"adds {name}" for name in changes.new_units if name != target]
    lines += [f"rewrites {name}" for name in changes.units if name != target]
    return lines
