"""Putting the code of a model's answer into the project's modules, whole.

Real answers carry more than the function asked for: the imports it needs, a helper,
a constant, a small class, other functions it had to change too (in the same module
or in another module the traceback ran through). Each part lands where a person would
put it:

- imports are merged into the module's imports (deduplicated, after the last import);
- a new helper, constant or class goes right before the function that uses it, and
  only when something the answer changes uses it (an example call is not code);
- a name the module already binds is replaced only when the answer defines it again
  the same way (a ``def`` for a function, an assignment for a constant) and differently;
- a function of another module the task shows is rewritten there.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pytest_selfheal._source.module_changes import class_path
from pytest_selfheal._source.patches import find_unit
from pytest_selfheal.engines._refine.reply_imports import (
    bound_names,
    merge_imports,
    newline_of,
    parsed,
)
from pytest_selfheal.engines._refine.reply_parts import CodeParts, Definition, names_used
from pytest_selfheal.errors import ReplyError, SourceError


@dataclass(frozen=True)
class Merged:
    """The module texts an answer changes.

    :param sources: project-relative path to the new text, for every changed module
        (the target's module always).
    :param code: the code taken from the answer, quoted back in later prompts.
    """

    sources: dict[str, str]
    code: str
    added: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """What the answer is for: ``qualname`` of module ``path``, new when ``is_new``."""

    path: str
    qualname: str
    is_new: bool = False
    #: Other new names the task needs (a test module imports several): kept like helpers.
    also: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def owner(self) -> str | None:
        return self.qualname.rsplit(".", 1)[0] if "." in self.qualname else None


def merge(parts: Sequence[CodeParts], sources: Mapping[str, str], target: Target) -> Merged:
    """Merge the parsed blocks of an answer (a later definition of a name wins).

    :param sources: project-relative path to the current text of every module the
        answer may change, the target's module included.
    :raises ReplyError: with the reason, for the model.
    """
    answer = _collected(parts)
    imports, functions, methods, classes = (answer.imports, answer.functions, answer.methods,
                                            answer.classes)
    tests = [name for name in [*functions, *(m for _, m in methods)] if name.startswith("test_")]
    if tests:
        raise ReplyError(f"the reply writes the test {tests[0]}; tests may not be changed, "
                         f"fix `{target.name}` instead")
    chosen = _target_definition(target, functions, methods, classes)
    result = dict(sources)
    result[target.path] = _put_target(result[target.path], target, chosen.text)
    uses: dict[str, set[str]] = {target.path: names_used(chosen.node)}
    taken = [chosen]
    # Other methods of classes the module has: rewritten in place, or added to the class.
    for (owner, method), definition in methods.items():
        owner_path = class_path(result[target.path], owner)
        if definition is chosen or owner_path is None:
            continue  # a class the module lacks is added whole below, when used
        changed = _put_method(result[target.path], target.path, f"{owner_path}.{method}",
                              definition.text)
        if changed != result[target.path]:
            result[target.path] = changed
            uses[target.path] |= names_used(definition.node)
            taken.append(definition)
    new_definitions: list[Definition] = []
    for function_name, definition in functions.items():
        if definition is chosen:
            continue
        home = _home(function_name, result, target.path)
        if home is None:
            new_definitions.append(definition)
            continue
        redefined = _redefined(result[home], definition)
        if redefined is not None and redefined != result[home]:
            result[home] = redefined
            uses.setdefault(home, set()).update(names_used(definition.node))
            taken.append(definition)
    new_definitions += [d for name, d in classes.items()
                        if class_path(sources[target.path], name) is None and d is not chosen]
    # New names enter only when code the answer changes reaches them: an example call
    # or an unused draft is not code to keep.
    bound = _bound_at_top(result[target.path])
    uses[target.path] |= set(target.also)
    wanted = _reachable([d for d in new_definitions if d.name not in bound], used=uses[
        target.path])
    if wanted:
        result[target.path] = _insert_before(result[target.path], target, wanted)
    added = [f"{d.kind} `{d.name}`" for d in wanted]
    for path, names in uses.items():
        needed = [(text, node) for text, node in imports.values() if bound_names(node) & names]
        result[path], new_imports = merge_imports(result[path], path, needed)
        added = [*(f"`{line}`" for line in new_imports), *added]
    _check(result[target.path], target)
    changed_sources = {path: text for path, text in result.items()
                       if text != sources[path] or path == target.path}
    code = "\n\n".join([*(text for text, _ in imports.values()),
                         *(d.text for d in [*wanted, *taken[1:], chosen])]).strip()
    return Merged(sources=changed_sources, code=code, added=tuple(added))


@dataclass
class _Answer:
    """Every part of an answer's blocks; a later definition of a name wins."""

    imports: dict[str, tuple[str, ast.Import | ast.ImportFrom]] = field(default_factory=dict)
    functions: dict[str, Definition] = field(default_factory=dict)
    methods: dict[tuple[str, str], Definition] = field(default_factory=dict)
    classes: dict[str, Definition] = field(default_factory=dict)


def _collected(parts: Sequence[CodeParts]) -> _Answer:
    answer = _Answer()
    for block in parts:
        for text, node in block.imports:
            answer.imports.setdefault(ast.unparse(node), (text, node))
        for definition in block.definitions:
            if definition.owner is None:
                answer.functions[definition.name] = definition
            else:
                answer.methods[(definition.owner, definition.name)] = definition
        for definition in block.classes:
            answer.classes[definition.name] = definition
    return answer


def _reachable(new_definitions: Sequence[Definition], used: set[str]) -> list[Definition]:
    """The new definitions that ``used`` names reach, directly or through each other, in
    the answer's order; ``used`` grows by the names they use."""
    pending = {d.name: d for d in new_definitions}
    queue = [name for name in used if name in pending]
    reached: set[str] = set()
    while queue:
        name = queue.pop()
        if name in reached:
            continue
        reached.add(name)
        more = names_used(pending[name].node)
        used |= more
        queue += [other for other in more if other in pending and other not in reached]
    return [d for d in new_definitions if d.name in reached and pending[d.name] is d]


def _target_definition(target: Target, functions: Mapping[str, Definition],
                       methods: Mapping[tuple[str, str], Definition],
                       classes: Mapping[str, Definition]) -> Definition:
    owner = target.owner.rsplit(".", 1)[-1] if target.owner else None
    if owner is not None and (owner, target.name) in methods:
        return methods[(owner, target.name)]
    if target.name in functions:
        return functions[target.name]
    if target.is_new and owner is None and target.name in classes:
        return classes[target.name]  # a class a test needs
    found = [*functions, *(name for _, name in methods)]
    if len(found) == 1:
        raise ReplyError(f"the reply renames `{target.name}` to `{found[0]}`; keep the "
                         f"name `{target.name}`")
    raise ReplyError(f"the reply has no function `{target.name}`; answer with the whole "
                     f"`{target.name}` in a ```python block")


def reindented(text: str, column: int, newline: str) -> list[str]:
    """``text`` as lines indented by ``column`` spaces, each ending with ``newline``."""
    return [(" " * column + line if line.strip() else "").rstrip() + newline
            for line in text.splitlines()]


def _put_target(source: str, target: Target, text: str) -> str:
    tree = parsed(source, target.path)
    lines = source.splitlines(keepends=True)
    newline = newline_of(source)
    if not target.is_new:
        return "".join(_replaced(tree, lines, target.qualname, text, newline))
    if not source.strip():
        return "".join(reindented(text, 0, newline))  # a module the fix creates
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines = [*lines[:-1], lines[-1] + newline]
    if target.owner is None:
        return "".join([*lines, newline, newline, *reindented(text, 0, newline)])
    owner = target.owner.rsplit(".", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == owner:
            end = node.end_lineno or node.lineno
            column = node.body[0].col_offset if node.body else node.col_offset + 4
            return "".join([*lines[:end], newline, *reindented(text, column, newline),
                            *lines[end:]])
    raise ReplyError(f"there is no class {target.owner} to put `{target.qualname}` in")


def _replaced(tree: ast.Module, lines: list[str], qualname: str, text: str,
              newline: str) -> list[str]:
    try:
        node = find_unit(tree, qualname)
    except SourceError as exc:
        raise ReplyError(f"`{qualname}` is no longer in the module: {exc}") from exc
    has_decorators = text.lstrip().startswith("@")
    first = (min([node.lineno, *(d.lineno for d in node.decorator_list)]) if has_decorators
             else node.lineno)
    end = node.end_lineno or node.lineno
    return [*lines[:first - 1], *reindented(text, node.col_offset, newline), *lines[end:]]


def _put_method(source: str, path: str, qualname: str, text: str) -> str:
    """``source`` with method ``qualname`` rewritten, or added at the end of its class."""
    tree = parsed(source, path)
    lines = source.splitlines(keepends=True)
    newline = newline_of(source)
    try:
        node = find_unit(tree, qualname)
    except SourceError:
        return _put_target(source, Target(path, qualname, is_new=True), text)
    current = textwrap.dedent("".join(lines[node.lineno - 1:node.end_lineno]))
    if _same_code(current, text):
        return source
    return "".join(_replaced(tree, lines, qualname, text, newline))


def _same_code(old: str, new: str) -> bool:
    try:
        return ast.dump(ast.parse(textwrap.dedent(old))) == ast.dump(ast.parse(new))
    except SyntaxError:
        return old.strip() == new.strip()


def _top_level(source: str, name: str) -> ast.stmt | None:
    """The module-level statement of ``source`` that defines ``name`` by ``def``, ``class``
    or a plain assignment."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and node.name == name:
            return node
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return node
    return None


def _home(name: str, sources: Mapping[str, str], target_path: str) -> str | None:
    """The module that already defines ``name`` (the target's first), or ``None``."""
    for path in [target_path, *(p for p in sources if p != target_path)]:
        if _top_level(sources[path], name) is not None:
            return path
    return None


def _redefined(source: str, definition: Definition) -> str | None:
    """``source`` with ``definition`` replacing the module's own definition of its name,
    or ``None`` when the answer does not clearly redefine it (another kind of statement)."""
    node = _top_level(source, definition.name)
    if node is None:
        return None
    same_kind = (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                 and definition.kind == "function") or (
        isinstance(node, ast.Assign | ast.AnnAssign) and definition.kind == "constant")
    if not same_kind:
        return None
    lines = source.splitlines(keepends=True)
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    current = "".join(lines[first - 1:node.end_lineno])
    if _same_code(current, definition.text):
        return source
    return "".join([*lines[:first - 1], *reindented(definition.text, 0, newline_of(source)),
                    *lines[node.end_lineno or node.lineno:]])


def _bound_at_top(source: str) -> set[str]:
    """The names the module binds at its top level (imports, definitions, assignments)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= bound_names(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        else:
            names |= {child.id for child in ast.walk(node)
                      if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store)}
    return names


def _insert_before(source: str, target: Target, definitions: Sequence[Definition]) -> str:
    """``source`` with ``definitions`` right before the statement holding the target."""
    tree = parsed(source, target.path)
    lines = source.splitlines(keepends=True)
    newline = newline_of(source)
    top = target.qualname.split(".", 1)[0]
    holder = next((node for node in tree.body if getattr(node, "name", None) == top), None)
    if holder is None:
        first = len(lines) + 1
    else:
        first = min([holder.lineno, *(d.lineno for d in getattr(holder, "decorator_list", []))])
    block: list[str] = []
    for index, definition in enumerate(definitions):
        block += reindented(definition.text, 0, newline)
        following = definitions[index + 1] if index + 1 < len(definitions) else None
        if not (definition.kind == _kind_of(following) == "constant"):
            block += [newline, newline]
    return "".join([*lines[:first - 1], *block, *lines[first - 1:]])


def _kind_of(definition: Definition | None) -> str:
    return "" if definition is None else definition.kind


def _check(source: str, target: Target) -> None:
    try:
        if target.is_new and target.owner is None and _top_level(source, target.name):
            return  # a new class or constant a test needs
        find_unit(ast.parse(source), target.qualname)
    except (SyntaxError, SourceError) as exc:
        raise ReplyError(f"the function does not fit into {target.path}: {exc}") from exc
